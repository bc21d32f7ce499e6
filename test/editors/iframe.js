// A contenteditable inside a same-origin iframe: selection and execCommand belong to the
// iframe's document, not the top one.
import { harness } from './harness.js';

const frame = document.createElement('iframe');
frame.id = 'frame';
frame.style.cssText = 'width:600px;height:150px';
document.getElementById('app').appendChild(frame);
const doc = frame.contentDocument;
doc.open();
doc.write('<!doctype html><html><body></body></html>');
doc.close();
const el = doc.createElement('div');
el.id = 'composer';
el.contentEditable = 'true';
el.style.cssText = 'min-height:4em;border:1px solid #888;white-space:pre-wrap';
doc.body.appendChild(el);
harness({ family: 'iframe', technique: 'exec-command', read: () => el.innerText, composer: () => el });
