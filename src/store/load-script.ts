import { readFileSync } from 'node:fs';

/** A Lua script of src/store/lua/, read beside this module (the build copies the folder to dist). */
export function loadScript(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}
