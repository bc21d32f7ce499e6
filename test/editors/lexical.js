// Lexical with the plain-text plugin, read back through the editor state.
import { createEditor, $getRoot } from 'lexical';
import { registerPlainText } from '@lexical/plain-text';
import { harness } from './harness.js';

const el = document.createElement('div');
el.id = 'composer';
el.contentEditable = 'true';
el.style.cssText = 'min-height:4em;border:1px solid #888';
document.getElementById('app').appendChild(el);
const editor = createEditor({ namespace: 'offrecord-test', onError: (e) => console.error(e) });
editor.setRootElement(el);
registerPlainText(editor);
harness({
  family: 'lexical',
  technique: 'before-input',
  read: () => editor.getEditorState().read(() => $getRoot().getTextContent()),
  composer: () => el,
});
