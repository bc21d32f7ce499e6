/**
 * The content script on user-added sites: only origins with a granted host permission get it,
 * through Chrome's scripting API or Firefox's contentScripts API, and a new sync replaces the
 * previous registration.
 */
import { describe, expect, it } from 'vitest';
import { CONTENT_SCRIPT_FILE, toMatchPattern, UserSiteScripts, USER_SITES_SCRIPT_ID, type ScriptApis } from '../../src/background/content-scripts';

function permissions(granted: string[]): ScriptApis['permissions'] {
  return { contains: async ({ origins }) => origins.every((o) => granted.includes(o)) };
}

function chromeScripting() {
  const registered = new Map<string, { matches: string[]; js: string[] }>();
  return {
    registered,
    api: {
      async getRegisteredContentScripts(filter?: { ids?: string[] }) {
        return [...registered.keys()].filter((id) => !filter?.ids || filter.ids.includes(id)).map((id) => ({ id }));
      },
      async registerContentScripts(scripts: Array<{ id: string; matches: string[]; js: string[] }>) {
        for (const s of scripts) {
          if (registered.has(s.id)) throw new Error(`duplicate id ${s.id}`);
          registered.set(s.id, { matches: s.matches, js: s.js });
        }
      },
      async unregisterContentScripts(filter?: { ids?: string[] }) {
        for (const id of filter?.ids ?? [...registered.keys()]) registered.delete(id);
      },
    },
  };
}

describe('toMatchPattern', () => {
  it('turns origins into match patterns and keeps patterns', () => {
    expect(toMatchPattern('https://chat.example.org')).toBe('https://chat.example.org/*');
    expect(toMatchPattern('http://irc.example.net:9000/')).toBe('http://irc.example.net/*');
    expect(toMatchPattern('https://*.example.org/*')).toBe('https://*.example.org/*');
    expect(toMatchPattern('ftp://example.org')).toBeNull();
    expect(toMatchPattern('not a url')).toBeNull();
  });
});

describe('UserSiteScripts', () => {
  it('registers granted origins only, with the built content script (Chrome)', async () => {
    const s = chromeScripting();
    const scripts = new UserSiteScripts({ permissions: permissions(['https://chat.example.org/*']), scripting: s.api });
    const used = await scripts.sync(['https://chat.example.org', 'https://not-granted.example.com', 'http://localhost/*']);
    expect(used).toEqual(['https://chat.example.org/*']);
    expect(s.registered.get(USER_SITES_SCRIPT_ID)).toEqual({ matches: ['https://chat.example.org/*'], js: [CONTENT_SCRIPT_FILE] });
  });

  it('replaces the registration on each sync and removes it when nothing is left', async () => {
    const s = chromeScripting();
    const granted = ['https://a.example/*', 'https://b.example/*'];
    const scripts = new UserSiteScripts({ permissions: permissions(granted), scripting: s.api });
    await scripts.sync(['https://a.example']);
    await scripts.sync(['https://a.example', 'https://b.example']);
    expect(s.registered.get(USER_SITES_SCRIPT_ID)?.matches).toEqual(granted);
    granted.length = 0; // permission revoked
    await scripts.sync(['https://a.example', 'https://b.example']);
    expect(s.registered.size).toBe(0);
  });

  it('uses contentScripts.register on Firefox and unregisters the old handle', async () => {
    const live: string[][] = [];
    const contentScripts = {
      async register(o: { matches: string[]; js: Array<{ file: string }> }) {
        expect(o.js).toEqual([{ file: CONTENT_SCRIPT_FILE }]);
        live.push(o.matches);
        return { unregister: () => void live.splice(live.indexOf(o.matches), 1) };
      },
    };
    const scripts = new UserSiteScripts({ permissions: permissions(['https://a.example/*', 'https://b.example/*']), contentScripts });
    await Promise.all([scripts.sync(['https://a.example']), scripts.sync(['https://b.example'])]);
    expect(live).toEqual([['https://b.example/*']]);
  });
});

describe('fixed-address origins added by the user (issue 17 item 8)', () => {
  it('are not registered a second time: the manifest already injects there', async () => {
    const s = chromeScripting();
    const scripts = new UserSiteScripts({ permissions: permissions(['https://app.slack.com/*', 'https://chat.example.org/*']), scripting: s.api });
    expect(await scripts.sync(['https://app.slack.com', 'https://chat.example.org'])).toEqual(['https://chat.example.org/*']);
  });
});
