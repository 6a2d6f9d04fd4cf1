import { fileURLToPath } from 'node:url';

/** The repository root (this file runs compiled from dist/src/). Holds migrations/, avro/, proto/, web/. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const repoPath = (...parts: string[]): string => [REPO_ROOT.replace(/\/$/, ''), ...parts].join('/');
