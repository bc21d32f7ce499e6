// Draft.js (React 18): the state is an immutable EditorState held by the component.
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Editor, EditorState } from 'draft-js';
import { harness } from './harness.js';

let current = EditorState.createEmpty();
function App() {
  const [state, setState] = useState(current);
  current = state;
  return React.createElement(
    'div',
    { style: { minHeight: '4em', border: '1px solid #888' } },
    React.createElement(Editor, { editorState: state, onChange: setState }),
  );
}
createRoot(document.getElementById('app')).render(React.createElement(App));
harness({
  family: 'draft',
  technique: 'paste',
  read: () => current.getCurrentContent().getPlainText(),
  composer: () => document.querySelector('[contenteditable="true"]'),
});
