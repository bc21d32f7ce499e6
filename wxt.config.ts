import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { FRAME_PAGES } from './src/messaging/frames';

// Builds .output/chrome-mv3 (`wxt build`) and .output/firefox-mv2 (`wxt build -b firefox`).
// `npm run build:android` zips the Firefox build as the package for Firefox for Android
// (the manifest's gecko_android); the pages themselves adapt to touch (src/ui/styles/touch.css).
const android = process.env.OFFRECORD_TARGET === 'android';

export default defineConfig({
  vite: () => ({ plugins: [preact()] }),
  // A second build beside the one tests are running on (then OFFRECORD_CHROME_EXT points at it).
  ...(process.env.OFFRECORD_OUT_DIR ? { outDir: process.env.OFFRECORD_OUT_DIR } : {}),
  // Firefox's review asks for the sources: the project, without build and test output.
  zip: {
    ...(android ? { artifactTemplate: '{{name}}-{{version}}-firefox-android.zip' } : {}),
    excludeSources: ['test-results/**', '.tmp/**', 'dist/**', 'test/stacks/thelounge/node_modules/**'],
  },
  manifest: ({ browser }) => ({
    name: 'OffRecord',
    description: 'Off-the-Record messaging (OTR) inside the web chats you already use.',
    default_locale: 'en',
    // offscreen: Chrome's way to generate keys off the service worker's thread; Firefox's
    // event page can start a Web Worker itself and does not know the permission.
    // activeTab, not tabs (issue 17): the popup reads the address of the tab it was opened over
    // (the picker's "set up this page"), and sites OffRecord runs on are host permissions anyway.
    // unlimitedStorage for durability, not room: Firefox may evict an extension's IndexedDB
    // (keys, trust, saved conversations) under disk pressure without it (README "Security").
    permissions: ['storage', 'unlimitedStorage', 'activeTab', 'scripting', ...(browser === 'firefox' ? [] : ['offscreen'])],
    // Loopback chat clients work out of the box; any other site is asked for when the user
    // adds it (options page), through the browser's own permission prompt.
    host_permissions: ['http://localhost/*', 'http://127.0.0.1/*'],
    ...(browser === 'firefox'
      ? { optional_permissions: ['http://*/*', 'https://*/*'] }
      : { optional_host_permissions: ['http://*/*', 'https://*/*'] }),
    // The frames (src/messaging/frames.ts) are extension pages framed by chat pages; only these
    // are exposed, and each shows nothing without a fresh one-time token from the background.
    // Chrome: only under a per-session address (runtime.getURL gives it), so a page cannot tell
    // OffRecord is installed by loading chrome-extension://<id>/compose.html. Firefox's
    // moz-extension:// address is random per install already.
    web_accessible_resources:
      browser === 'firefox' ? FRAME_PAGES : [{ resources: FRAME_PAGES, matches: ['http://*/*', 'https://*/*'], use_dynamic_url: true }],
    browser_specific_settings: {
      gecko: {
        id: 'offrecord@offrecord.invalid',
        strict_min_version: '140.0',
        // OffRecord sends nothing anywhere: no telemetry, no remote servers.
        data_collection_permissions: { required: ['none'] },
      },
      gecko_android: { strict_min_version: '142.0' },
    },
  }),
});
