// ProseMirror with the basic schema; lines are paragraphs.
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';
import { schema } from 'prosemirror-schema-basic';
import { harness } from './harness.js';

const mount = document.getElementById('app');
const view = new EditorView(mount, { state: EditorState.create({ schema }) });
view.dom.id = 'composer';
view.dom.style.cssText = 'min-height:4em;border:1px solid #888;white-space:pre-wrap';
harness({
  family: 'prosemirror',
  technique: 'paste',
  read: () => view.state.doc.textBetween(0, view.state.doc.content.size, '\n'),
  composer: () => view.dom,
});
