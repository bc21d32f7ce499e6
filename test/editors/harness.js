// Shared page furniture for the editor test pages: a send button that counts clicks and records
// what the editor's own state held at that moment, and the hooks the e2e test reads.
export function harness({ family, technique, read, composer }) {
  window.sendCount = 0;
  window.lastSent = null;
  window.family = family;
  window.technique = technique;
  window.readEditorState = read;
  window.findComposer = composer;
  const button = document.createElement('button');
  button.id = 'send';
  button.type = 'button';
  button.textContent = 'Send';
  button.addEventListener('click', () => {
    window.sendCount += 1;
    window.lastSent = read();
  });
  document.body.appendChild(button);
  window.editorReady = true;
}
