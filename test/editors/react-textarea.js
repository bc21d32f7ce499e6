// React 18 controlled <textarea>: the value lives in React state, so a plain DOM write is undone.
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { harness } from './harness.js';

let current = '';
function Composer() {
  const [value, setValue] = useState('');
  current = value;
  return React.createElement('textarea', {
    id: 'composer',
    value,
    rows: 6,
    cols: 80,
    onChange: (e) => setValue(e.target.value),
  });
}
createRoot(document.getElementById('app')).render(React.createElement(Composer));
harness({
  family: 'react-textarea',
  technique: 'value-setter',
  read: () => current,
  composer: () => document.getElementById('composer'),
});
