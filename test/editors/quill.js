// Quill 2; getText() always ends with the editor's own trailing newline, which is not content.
import Quill from 'quill';
import { harness } from './harness.js';

const mount = document.createElement('div');
document.getElementById('app').appendChild(mount);
const quill = new Quill(mount, {});
quill.root.id = 'composer';
harness({
  family: 'quill',
  technique: 'paste',
  read: () => quill.getText().replace(/\n$/, ''),
  composer: () => quill.root,
});
