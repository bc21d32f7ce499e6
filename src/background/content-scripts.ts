/**
 * Runs the content script on the sites the user added (DESIGN.md §3). The manifest covers
 * loopback and the fixed-address sites; any other address gets the script only once the browser
 * granted its host permission, registered at run time: `scripting.registerContentScripts` on
 * Chrome, `contentScripts.register` on Firefox MV2 (whose registrations die with the background,
 * so the background registers again whenever it starts).
 */
import { LOOPBACK_ORIGINS, SITE_RECORDS } from '../adapters/sites/records';

export const USER_SITES_SCRIPT_ID = 'offrecord-user-sites';
/** Where WXT puts entrypoints/content.ts in the build. */
export const CONTENT_SCRIPT_FILE = 'content-scripts/content.js';

export interface ScriptingApi {
  getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<Array<{ id: string }>>;
  registerContentScripts(scripts: Array<{ id: string; matches: string[]; js: string[]; runAt: 'document_idle'; allFrames: boolean }>): Promise<void>;
  unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
}

export interface FirefoxContentScriptsApi {
  register(options: { matches: string[]; js: Array<{ file: string }>; runAt: 'document_idle'; allFrames: boolean }): Promise<{ unregister(): Promise<void> | void }>;
}

export interface ScriptApis {
  permissions: { contains(p: { origins: string[] }): Promise<boolean> };
  scripting?: ScriptingApi;
  contentScripts?: FirefoxContentScriptsApi;
}

/** An origin ("https://chat.example.org") or a match pattern, as a match pattern; null if neither. */
export function toMatchPattern(origin: string): string | null {
  const s = origin.trim();
  if (s.includes('*')) return /^(\*|https?):\/\/(\*|\*\.[^/*:]+|[^/*:]+)\/.*$/.test(s) ? s : null;
  try {
    const url = new URL(s);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return `${url.protocol}//${url.hostname}/*`; // match patterns carry no port
  } catch {
    return null;
  }
}

/**
 * Already in the manifest's static matches, so never registered again (a user who adds a
 * fixed-address origin must not get the overlay injected twice; content.ts guards as well).
 */
const STATIC = new Set([...LOOPBACK_ORIGINS, ...SITE_RECORDS.flatMap((s) => s.matches)]);

export class UserSiteScripts {
  private firefoxHandle: { unregister(): Promise<void> | void } | null = null;
  private running: Promise<string[]> = Promise.resolve([]);

  constructor(
    private readonly apis: ScriptApis,
    private readonly file = CONTENT_SCRIPT_FILE,
  ) {}

  /** Re-registers for exactly the given origins that have permission; returns the patterns used. */
  sync(origins: readonly string[]): Promise<string[]> {
    // One sync at a time: a permission prompt and a site change may land together.
    this.running = this.running.catch(() => []).then(() => this.doSync(origins));
    return this.running;
  }

  private async doSync(origins: readonly string[]): Promise<string[]> {
    const patterns: string[] = [];
    for (const o of origins) {
      const p = toMatchPattern(o);
      if (!p || STATIC.has(p) || patterns.includes(p)) continue;
      if (await this.apis.permissions.contains({ origins: [p] }).catch(() => false)) patterns.push(p);
    }
    const { scripting, contentScripts } = this.apis;
    if (contentScripts) {
      await this.firefoxHandle?.unregister();
      this.firefoxHandle = null;
      if (patterns.length) {
        this.firefoxHandle = await contentScripts.register({ matches: patterns, js: [{ file: this.file }], runAt: 'document_idle', allFrames: false });
      }
    } else if (scripting) {
      const existing = await scripting.getRegisteredContentScripts({ ids: [USER_SITES_SCRIPT_ID] });
      if (existing.length) await scripting.unregisterContentScripts({ ids: [USER_SITES_SCRIPT_ID] });
      if (patterns.length) {
        await scripting.registerContentScripts([
          { id: USER_SITES_SCRIPT_ID, matches: patterns, js: [this.file], runAt: 'document_idle', allFrames: false },
        ]);
      }
    }
    return patterns;
  }
}
