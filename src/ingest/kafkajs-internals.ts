// kafkajs's internal modules, as the patches beside this file reach them (kafkajs.ts installs
// the patches). Each returns undefined for another kafkajs layout: the caller then runs kafkajs
// as it is, and says so through its own "installed" check.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** An internal module of kafkajs ('src/consumer/batch.js'), loaded; undefined if it is not there. */
export function kafkajsModule<T>(subpath: string): T | undefined {
  try {
    return require(require.resolve(`kafkajs/${subpath}`)) as T;
  } catch {
    return undefined;
  }
}

/**
 * Loads a module of kafkajs and replaces what later `require`s of it get by `impl` (the module
 * must not have been required by kafkajs yet: import the patch before kafkajs). The module's
 * resolved path, or undefined if it is not there.
 */
export function replaceKafkajsModule(subpath: string, impl: unknown): string | undefined {
  try {
    const path = require.resolve(`kafkajs/${subpath}`);
    require(path);
    require.cache[path]!.exports = impl;
    return path;
  } catch {
    return undefined;
  }
}

/** Whether `require` of the module at `path` gives `impl`. */
export const kafkajsModuleIs = (path: string | undefined, impl: unknown): boolean => path !== undefined && require(path) === impl;

/** Whether kafkajs has loaded its module `subpath` already (a patch of what it requires is then too late). */
export function kafkajsModuleLoaded(subpath: string): boolean {
  try {
    return require.cache[require.resolve(`kafkajs/${subpath}`)] !== undefined;
  } catch {
    return false;
  }
}
