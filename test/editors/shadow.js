// A contenteditable inside an open shadow root (web-component chat widgets).
import { harness } from './harness.js';

const host = document.createElement('chat-box');
document.getElementById('app').appendChild(host);
const shadow = host.attachShadow({ mode: 'open' });
const el = document.createElement('div');
el.id = 'composer';
el.contentEditable = 'true';
el.style.cssText = 'min-height:4em;border:1px solid #888;white-space:pre-wrap';
shadow.appendChild(el);
harness({ family: 'shadow', technique: 'exec-command', read: () => el.innerText, composer: () => el });
