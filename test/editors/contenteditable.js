// A bare contenteditable div: the DOM is the state.
import { harness } from './harness.js';

const el = document.createElement('div');
el.id = 'composer';
el.contentEditable = 'true';
el.style.cssText = 'min-height:4em;border:1px solid #888;white-space:pre-wrap';
document.getElementById('app').appendChild(el);
harness({ family: 'contenteditable', technique: 'exec-command', read: () => el.innerText, composer: () => el });
