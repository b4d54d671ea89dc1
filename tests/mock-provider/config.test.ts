import { MockConfigError, mockOptionsFromFlags, resolveMockOptions } from '../../src/mock-provider/config';
import { mockCommand, mockServeOptions } from '../../src/cli/commands/mock';
import { UsageError } from '../../src/cli/errors';

describe('mock provider settings', () => {
  test('defaults', () => {
    const options = resolveMockOptions({});
    expect(options).toMatchObject({ port: 8080, host: '127.0.0.1', seed: 1, maxBodyBytes: 1024 * 1024, models: ['mock-model'], drainTimeoutMs: 25_000 });
    expect(options.faults).toEqual({ delay: { min: 0, max: 0 }, ttft: { min: 0, max: 0 }, interToken: { min: 0, max: 0 }, errorRate: 0, errorStatus: 500 });
    expect(options.backendId).toBeUndefined();
  });

  test('every problem is reported at once, named by option', () => {
    let error: unknown;
    try {
      resolveMockOptions({ port: 70000, errorRate: -1, errorStatus: 200, delayMs: '9-1', backendId: 'Not_A_Label', maxBodyBytes: 0, recordUrl: 'ftp://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MockConfigError);
    const problems = (error as MockConfigError).problems.join('\n');
    for (const key of ['port', 'errorRate', 'errorStatus', 'delayMs', 'backendId', 'maxBodyBytes', 'recordUrl']) expect(problems).toMatch(new RegExp(`^${key}`, 'm'));
    expect(problems).toContain('recordUrl needs cassettesDir');
  });

  test('flags win over environment variables; secrets come from the environment only', () => {
    const options = mockOptionsFromFlags(
      { port: '9000', 'delay-ms': '5-10', models: 'a, b' },
      { MOCK_PORT: '9999', MOCK_ERROR_RATE: '0.25', MOCK_BACKEND_ID: 'backend-env', OPENAI_API_KEY: 'sk-from-env-000000', MOCK_REQUIRE_API_KEY: 'sk-req-0000' },
    );
    expect(options).toMatchObject({ port: 9000, backendId: 'backend-env', models: ['a', 'b'], upstreamApiKey: 'sk-from-env-000000', requireApiKey: 'sk-req-0000' });
    expect(options.faults).toMatchObject({ delay: { min: 5, max: 10 }, errorRate: 0.25 });
    expect(mockOptionsFromFlags({}, { MOCK_UPSTREAM_API_KEY: 'first', OPENAI_API_KEY: 'second' }).upstreamApiKey).toBe('first');
  });

  test('problems name the flag or the variable the value came from', () => {
    expect(() => mockOptionsFromFlags({ 'error-rate': '2' }, {})).toThrow(/--error-rate: got 2; allowed: a number from 0 to 1/);
    expect(() => mockOptionsFromFlags({}, { MOCK_SEED: 'abc' })).toThrow(/MOCK_SEED: got "abc"/);
  });

  test('a record URL with credentials is not echoed in errors', () => {
    expect(() => resolveMockOptions({ recordUrl: 'ftp://user:sk-secret-123456@example.com/v1' })).toThrow(/REDACTED/);
    expect(() => resolveMockOptions({ recordUrl: 'ftp://user:sk-secret-123456@example.com/v1' })).not.toThrow(/sk-secret/);
  });
});

describe('mock command', () => {
  test('`mock serve` validates its flags and throws a UsageError before listening', async () => {
    const command = mockCommand();
    const run = command.parseAsync(['serve', '--port', '70000', '--error-rate', '1.5', '--error-status', '200'], { from: 'user' });
    await expect(run).rejects.toThrow(UsageError);
    await expect(mockCommand().parseAsync(['serve', '--port', '70000'], { from: 'user' })).rejects.toThrow(/--port: got 70000/);
  });

  test('commander values map onto the provider flags', () => {
    const options = mockServeOptions({ port: '0', backendId: 'backend-003', errorStatus: '429', interTokenMs: '20-30' }, {});
    expect(options).toMatchObject({ port: 0, backendId: 'backend-003' });
    expect(options.faults).toMatchObject({ errorStatus: 429, interToken: { min: 20, max: 30 } });
    expect(() => mockServeOptions({}, { MOCK_ERROR_STATUS: '99' })).toThrow(UsageError);
  });

  test('serve offers every provider flag', () => {
    const serve = mockCommand().commands.find((c) => c.name() === 'serve')!;
    const flags = serve.options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(['--port', '--host', '--backend-id', '--cassettes', '--record', '--seed', '--delay-ms', '--error-rate', '--error-status']));
  });
});
