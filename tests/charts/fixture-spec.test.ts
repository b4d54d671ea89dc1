import { FixtureValidationError, MAX_ROUTES, resolveFixtureSpec } from '../../charts/fixture-spec';

/** The problems a spec produces, as [prop, value] pairs. */
function problemsOf(input: Parameters<typeof resolveFixtureSpec>[0]): [string, unknown][] {
  try {
    resolveFixtureSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureValidationError);
    return (error as FixtureValidationError).problems.map((p) => [p.prop, p.value]);
  }
  return [];
}

describe('resolveFixtureSpec', () => {
  test('fills in defaults', () => {
    expect(resolveFixtureSpec({ routes: 5 })).toEqual({
      routes: 5,
      backends: 1,
      namespace: 'aigw-scale',
      fixtureId: 'aigw-scale',
      gatewayName: 'aigw-scale',
      headerMutations: 0,
      routeApiVersion: 'v1beta1',
      providerPort: 8080,
      providerHost: undefined,
      listenerPort: 80,
      connectionBufferLimit: undefined,
      apiKeyAuth: false,
      createNamespace: true,
      mockProvider: false,
    });
  });

  test('accepts the limits themselves', () => {
    expect(problemsOf({ routes: MAX_ROUTES, backends: MAX_ROUTES, headerMutations: 16 })).toEqual([]);
    expect(problemsOf({ routes: 1, backends: 1, headerMutations: 0 })).toEqual([]);
  });

  test.each([
    ['zero routes', { routes: 0 }, 'routes', 0],
    ['negative routes', { routes: -5 }, 'routes', -5],
    ['non-integer routes', { routes: 2.5 }, 'routes', 2.5],
    ['routes above the maximum', { routes: MAX_ROUTES + 1 }, 'routes', MAX_ROUTES + 1],
    ['routes given as text', { routes: 'ten' as unknown as number }, 'routes', 'ten'],
    ['more backends than routes', { routes: 3, backends: 4 }, 'backends', 4],
    ['zero backends', { routes: 3, backends: 0 }, 'backends', 0],
    ['an invalid namespace', { routes: 1, namespace: 'Team_A' }, 'namespace', 'Team_A'],
    ['a namespace over 63 characters', { routes: 1, namespace: 'a'.repeat(64) }, 'namespace', 'a'.repeat(64)],
    ['an invalid fixture id', { routes: 1, fixtureId: '-x' }, 'fixtureId', '-x'],
    ['an invalid gateway name', { routes: 1, gatewayName: 'gw.' }, 'gatewayName', 'gw.'],
    ['too many header mutations', { routes: 1, headerMutations: 17 }, 'headerMutations', 17],
    ['negative header mutations', { routes: 1, headerMutations: -1 }, 'headerMutations', -1],
    ['an unknown route API version', { routes: 1, routeApiVersion: 'v2' as 'v1beta1' }, 'routeApiVersion', 'v2'],
    ['a provider port out of range', { routes: 1, providerPort: 70000 }, 'providerPort', 70000],
    ['a listener port of zero', { routes: 1, listenerPort: 0 }, 'listenerPort', 0],
    ['a loopback provider host', { routes: 1, providerHost: 'localhost' }, 'providerHost', 'localhost'],
    ['a malformed provider host', { routes: 1, providerHost: 'not a host' }, 'providerHost', 'not a host'],
    ['a malformed buffer limit', { routes: 1, connectionBufferLimit: '32 MB' }, 'connectionBufferLimit', '32 MB'],
  ])('rejects %s, naming the prop and the value', (_name, input, prop, value) => {
    expect(problemsOf(input)).toEqual([[prop, value]]);
  });

  test('the message names the prop, the value and the allowed range', () => {
    expect(() => resolveFixtureSpec({ routes: 200_000 })).toThrow('routes: got 200000; allowed: an integer from 1 to 100,000');
    expect(() => resolveFixtureSpec({ routes: 3, backends: 5 })).toThrow('backends: got 5; allowed: an integer from 1 to 3');
  });

  test('reports every problem at once', () => {
    expect(problemsOf({ routes: 0, namespace: 'UPPER', headerMutations: 99 }).map(([prop]) => prop)).toEqual(['routes', 'namespace', 'headerMutations']);
  });
});
