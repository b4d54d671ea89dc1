import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Credentials of a local cluster: a service-account signing key and one admin token. */
export interface LocalPki {
  readonly dir: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  readonly tokenFile: string;
  readonly adminToken: string;
  /** Where kube-apiserver writes its self-signed serving certificate (and CA). */
  readonly apiserverCertDir: string;
}

/** Writes fresh keys and a random admin token (group system:masters) with owner-only permissions. */
export function createPki(dir: string): LocalPki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKey = path.join(dir, 'sa.key');
  const serviceAccountPub = path.join(dir, 'sa.pub');
  fs.writeFileSync(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = path.join(dir, 'tokens.csv');
  fs.writeFileSync(tokenFile, `${adminToken},aigw-scale-admin,aigw-scale-admin,"system:masters"\n`, { mode: 0o600 });
  const apiserverCertDir = path.join(dir, 'apiserver');
  fs.mkdirSync(apiserverCertDir, { mode: 0o700 });
  return { dir, serviceAccountKey, serviceAccountPub, tokenFile, adminToken, apiserverCertDir };
}
