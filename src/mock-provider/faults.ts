/**
 * Latency and fault injection: delay specs ("100" or "50-200" milliseconds), an error rate with a chosen
 * status, and the seeded PRNG that makes both deterministic. Server-wide settings come from flags/env; each
 * request may override them with `x-mock-*` headers.
 *
 * Standalone file of the mock provider: node built-ins only.
 */

import type { IncomingHttpHeaders } from 'node:http';

/** A uniformly drawn integer delay in milliseconds, inclusive bounds; min === max is a fixed delay. */
export interface DelayRange {
  readonly min: number;
  readonly max: number;
}

export const NO_DELAY: DelayRange = Object.freeze({ min: 0, max: 0 });
/** The longest delay anyone may ask for (10 minutes): a typo must not park a connection for a day. */
export const MAX_DELAY_MS = 600_000;
export const MIN_ERROR_STATUS = 400;
export const MAX_ERROR_STATUS = 599;
export const DEFAULT_ERROR_STATUS = 500;

/** The fault settings in force for one request. */
export interface FaultSettings {
  /** Before the response (non-streaming) or before the response headers (streaming). */
  readonly delay: DelayRange;
  /** Streaming: after the headers and the role chunk, before the first content token. */
  readonly ttft: DelayRange;
  /** Streaming: between two content tokens. */
  readonly interToken: DelayRange;
  /** Probability 0..1 that the request fails with `errorStatus` instead of being answered. */
  readonly errorRate: number;
  readonly errorStatus: number;
}

/** Request headers that override the server's fault settings for one request. */
export const FAULT_HEADERS = {
  delay: 'x-mock-delay-ms',
  ttft: 'x-mock-ttft-ms',
  interToken: 'x-mock-inter-token-ms',
  errorRate: 'x-mock-error-rate',
  errorStatus: 'x-mock-error-status',
} as const;

/** A PRNG returning floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: a tiny, fast 32-bit seeded PRNG; the same seed always yields the same sequence. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTEGER = /^\d+$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;

/** Parses "100" or "50-200" (milliseconds); returns an error message when invalid. */
export function parseDelay(text: string): DelayRange | string {
  const trimmed = text.trim();
  let min: number;
  let max: number;
  if (INTEGER.test(trimmed)) {
    min = max = Number(trimmed);
  } else {
    const match = RANGE.exec(trimmed);
    if (!match) return `expected milliseconds "N" or a range "MIN-MAX", got ${JSON.stringify(text)}`;
    min = Number(match[1]);
    max = Number(match[2]);
    if (min > max) return `range ${JSON.stringify(text)} has MIN greater than MAX`;
  }
  if (max > MAX_DELAY_MS) return `delay ${JSON.stringify(text)} exceeds ${MAX_DELAY_MS} ms`;
  return min === 0 && max === 0 ? NO_DELAY : { min, max };
}

/** Parses a probability 0..1; returns an error message when invalid. */
export function parseRate(text: string): number | string {
  const trimmed = text.trim();
  const value = trimmed === '' ? NaN : Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 1) return `expected a number from 0 to 1, got ${JSON.stringify(text)}`;
  return value;
}

/** Parses an HTTP error status 400..599; returns an error message when invalid. */
export function parseErrorStatus(text: string): number | string {
  const trimmed = text.trim();
  const value = INTEGER.test(trimmed) ? Number(trimmed) : NaN;
  if (!(value >= MIN_ERROR_STATUS && value <= MAX_ERROR_STATUS)) {
    return `expected an HTTP error status from ${MIN_ERROR_STATUS} to ${MAX_ERROR_STATUS} (e.g. 429, 500, 503), got ${JSON.stringify(text)}`;
  }
  return value;
}

/** A problem with one fault header: which header, why. */
export interface FaultHeaderProblem {
  readonly header: string;
  readonly message: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The settings for one request: the server's, overridden by any `x-mock-*` fault header present. Returns the
 * server settings object itself when no header is present (the common case allocates nothing).
 */
export function requestFaults(base: FaultSettings, headers: IncomingHttpHeaders): FaultSettings | FaultHeaderProblem {
  const delayText = headerValue(headers, FAULT_HEADERS.delay);
  const ttftText = headerValue(headers, FAULT_HEADERS.ttft);
  const interText = headerValue(headers, FAULT_HEADERS.interToken);
  const rateText = headerValue(headers, FAULT_HEADERS.errorRate);
  const statusText = headerValue(headers, FAULT_HEADERS.errorStatus);
  if (delayText === undefined && ttftText === undefined && interText === undefined && rateText === undefined && statusText === undefined) {
    return base;
  }
  const settings = { ...base };
  if (delayText !== undefined) {
    const parsed = parseDelay(delayText);
    if (typeof parsed === 'string') return { header: FAULT_HEADERS.delay, message: parsed };
    settings.delay = parsed;
  }
  if (ttftText !== undefined) {
    const parsed = parseDelay(ttftText);
    if (typeof parsed === 'string') return { header: FAULT_HEADERS.ttft, message: parsed };
    settings.ttft = parsed;
  }
  if (interText !== undefined) {
    const parsed = parseDelay(interText);
    if (typeof parsed === 'string') return { header: FAULT_HEADERS.interToken, message: parsed };
    settings.interToken = parsed;
  }
  if (rateText !== undefined) {
    const parsed = parseRate(rateText);
    if (typeof parsed === 'string') return { header: FAULT_HEADERS.errorRate, message: parsed };
    settings.errorRate = parsed;
  }
  if (statusText !== undefined) {
    const parsed = parseErrorStatus(statusText);
    if (typeof parsed === 'string') return { header: FAULT_HEADERS.errorStatus, message: parsed };
    settings.errorStatus = parsed;
  }
  return settings;
}

export function isFaultHeaderProblem(value: FaultSettings | FaultHeaderProblem): value is FaultHeaderProblem {
  return (value as FaultHeaderProblem).header !== undefined;
}

/** Draws one delay; a fixed delay consumes no random number, so adding one does not shift the sequence. */
export function drawDelay(range: DelayRange, rng: Rng): number {
  return range.min === range.max ? range.min : range.min + Math.floor(rng() * (range.max - range.min + 1));
}

/** Whether this request fails; rates 0 and 1 consume no random number. */
export function drawError(rate: number, rng: Rng): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return rng() < rate;
}
