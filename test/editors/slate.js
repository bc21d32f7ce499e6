// Slate through slate-react; each top-level block is one line of the message.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { createEditor, Node } from 'slate';
import { Slate, Editable, withReact } from 'slate-react';
import { withHistory } from 'slate-history';
import { harness } from './harness.js';

const editor = withHistory(withReact(createEditor()));
const initialValue = [{ type: 'paragraph', children: [{ text: '' }] }];
function App() {
  return React.createElement(
    Slate,
    { editor, initialValue },
    React.createElement(Editable, { id: 'composer', style: { minHeight: '4em', border: '1px solid #888' } }),
  );
}
createRoot(document.getElementById('app')).render(React.createElement(App));
harness({
  family: 'slate',
  technique: 'before-input',
  read: () => editor.children.map((n) => Node.string(n)).join('\n'),
  composer: () => document.getElementById('composer'),
});
