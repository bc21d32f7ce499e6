// Shared page furniture for the editor test pages: a send button that counts clicks and records
// what the editor's own state held at that moment (lastSent, and every send in sentTexts), a list
// showing what was sent (the chat's message list, for the extension's generic adapter), and the
// hooks the e2e tests read.
export function harness({ family, technique, read, composer }) {
  window.sendCount = 0;
  window.lastSent = null;
  window.sentTexts = [];
  window.family = family;
  window.technique = technique;
  window.readEditorState = read;
  window.findComposer = composer;
  const button = document.createElement('button');
  button.id = 'send';
  button.type = 'button';
  button.textContent = 'Send';
  const list = document.createElement('ul');
  list.id = 'sent';
  list.style.cssText = 'white-space:pre-wrap;overflow-wrap:anywhere';
  button.addEventListener('click', () => {
    window.sendCount += 1;
    window.lastSent = read();
    window.sentTexts.push(window.lastSent);
    const item = document.createElement('li');
    item.textContent = window.lastSent;
    list.appendChild(item);
  });
  document.body.append(button, list);
  // Chat composers sit low on the page; OffRecord's lock menu opens upwards from there.
  document.body.style.paddingTop = '240px';
  window.editorReady = true;
}
