import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';

// Builds .output/chrome-mv3 (`wxt build`) and .output/firefox-mv2 (`wxt build -b firefox`).
export default defineConfig({
  vite: () => ({ plugins: [preact()] }),
  manifest: {
    name: 'OffRecord',
    description: 'Off-the-Record messaging (OTR) inside the web chats you already use.',
    permissions: ['storage', 'unlimitedStorage', 'tabs', 'scripting', 'offscreen'],
    host_permissions: ['http://localhost/*', 'http://127.0.0.1/*'],
    browser_specific_settings: { gecko: { id: 'offrecord@offrecord.invalid', strict_min_version: '115.0' } },
  },
});
