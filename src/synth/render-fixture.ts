/**
 * Renders the fixture in-process from our own constructs (no YAML files, nothing read from disk) and hashes
 * it. The hash is the sha256 `aigw-scale synth` prints for the same fixture: every non-empty part rendered by
 * the same YAML emitter, documents separated by `---` within a part, parts in apply order.
 */

import { createHash } from 'node:crypto';
import { FixtureSpec } from '../../charts/fixture-spec';
import { FixtureExtras, FixturePart, fixtureParts } from '../../charts/scale-fixture';
import { Manifest } from '../../constructs/manifest';
import { manifestToYaml } from './manifest-yaml';

export interface RenderedPart {
  readonly name: FixturePart['name'];
  readonly manifests: readonly Manifest[];
}

export interface RenderedFixture {
  /** sha256 (hex) of the manifests in apply order; equal to `aigw-scale synth`'s. */
  readonly sha256: string;
  readonly objects: number;
  /** Objects by kind, e.g. `{ AIGatewayRoute: 2000, … }`. */
  readonly kinds: Readonly<Record<string, number>>;
  /** The manifests by part, only when asked for (`keep`): bundle mode needs just the hash and counts. */
  readonly parts?: readonly RenderedPart[];
}

/** Streams the fixture once: hashes and counts every object, keeping the objects only when `keep` is set. */
export function renderFixture(spec: FixtureSpec, extras: FixtureExtras, options: { keep: boolean }): RenderedFixture {
  const hash = createHash('sha256');
  const kinds: Record<string, number> = {};
  const parts: RenderedPart[] = [];
  let objects = 0;
  for (const part of fixtureParts(spec, extras)) {
    const kept: Manifest[] = [];
    let index = 0;
    for (const manifest of part.manifests) {
      hash.update((index > 0 ? '---\n' : '') + manifestToYaml(manifest as Record<string, unknown>));
      kinds[manifest.kind] = (kinds[manifest.kind] ?? 0) + 1;
      if (options.keep) kept.push(manifest);
      index++;
    }
    objects += index;
    if (options.keep) parts.push({ name: part.name, manifests: kept });
  }
  return { sha256: hash.digest('hex'), objects, kinds, parts: options.keep ? parts : undefined };
}
