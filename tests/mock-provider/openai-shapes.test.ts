import {
  chatCompletion,
  chatCompletionJson,
  embeddingVector,
  float32Base64,
  promptLength,
  streamTokens,
  tokensForLength,
  usageOf,
} from '../../src/mock-provider/openai-shapes';

describe('OpenAI response shapes', () => {
  test('the hand-serialized completion is exactly JSON.stringify of the object', () => {
    for (const c of [
      { id: 'chatcmpl-1', created: 1, model: 'model-000001', content: 'mock answer from b for m', finishReason: 'stop' as const, usage: usageOf(3, 6) },
      { id: 'x"y', created: 2, model: 'weird "model"\n\\ é 😀', content: 'line\nbreak "quoted" \u0001', finishReason: 'length' as const, usage: usageOf(0, 2) },
    ]) {
      expect(chatCompletionJson(c)).toBe(JSON.stringify(chatCompletion(c)));
    }
  });

  test('stream tokens are words with their leading space; joined they restore the text', () => {
    expect(streamTokens('mock answer from b')).toEqual(['mock', ' answer', ' from', ' b']);
    expect(streamTokens('one')).toEqual(['one']);
    expect(streamTokens('')).toEqual([]);
    const text = 'mock answer from backend-001 for model with spaces';
    expect(streamTokens(text).join('')).toBe(text);
  });

  test('prompt length counts string contents and text parts only', () => {
    expect(promptLength([{ role: 'user', content: 'abcd' }, { role: 'user', content: [{ type: 'text', text: 'ef' }, { type: 'image_url' }] }, null, 'x'])).toBe(6);
    expect(tokensForLength(0)).toBe(0);
    expect(tokensForLength(1)).toBe(1);
    expect(tokensForLength(8)).toBe(2);
    expect(tokensForLength(9)).toBe(3);
  });

  test('embeddings: deterministic unit vectors; base64 is little-endian float32', () => {
    const a = embeddingVector('m', 'text', 32);
    expect(Array.from(embeddingVector('m', 'text', 32))).toEqual(Array.from(a));
    expect(Array.from(embeddingVector('m', 'other', 32))).not.toEqual(Array.from(a));
    expect(Array.from(embeddingVector('n', 'text', 32))).not.toEqual(Array.from(a));
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const bytes = Buffer.from(float32Base64(a), 'base64');
    expect(bytes.length).toBe(32 * 4);
    for (let i = 0; i < 32; i++) expect(bytes.readFloatLE(i * 4)).toBe(a[i]);
  });
});
