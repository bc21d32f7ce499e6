/**
 * What a site adapter declares (DESIGN.md §3): data plus a little code. Readers take a root
 * (document, iframe document or shadow root) so they run the same on fixtures and live pages.
 */

/** How ciphertext gets into the site's composer; one per editor family (see insert.ts). */
export type InsertTechnique =
  | 'value-setter' // textarea / input, including React-controlled ones: native setter + input event
  | 'exec-command' // plain contenteditable: document.execCommand('insertText')
  | 'before-input' // Lexical, Slate: synthetic beforeinput with inputType insertText
  | 'paste'; // Draft.js, ProseMirror, Quill 2: synthetic paste carrying a DataTransfer

export type QueryRoot = Document | ShadowRoot | Element;

export interface ConversationRef {
  /** Stable id of the peer (or room) on this site, e.g. an IRC nick or an XMPP JID. */
  peerId: string;
  /** Our own account on the site, when the page shows it; '' when it cannot be known. */
  account: string;
  /** A human label for the popup (channel name, contact name). */
  title: string;
  /** A group channel (where private rooms live) or a one-to-one chat; absent when unknown. */
  kind?: 'channel' | 'direct';
}

export interface ScrapedMessage {
  element: HTMLElement;
  /** The element whose box the reader frame covers (usually the text node's parent). */
  textElement: HTMLElement;
  text: string;
  direction: 'incoming' | 'outgoing';
  /** Sender id as the site shows it (nick, JID); '' if the site does not say. */
  from: string;
  /** A stable id when the site has one (data-msgid), else ''. */
  id: string;
}

export interface SiteAdapter {
  /** Short machine name, e.g. 'thelounge'. */
  id: string;
  /** Human name for the options page. */
  name: string;
  /** Origins matched by address (match patterns), for sites with a fixed address. */
  matches: string[];
  /** Recognises self-hosted clients (The Lounge, Converse.js) from the page itself. */
  detect?(root: Document): boolean;
  editor: InsertTechnique;
  /** The site's message-length limit in characters; the OTR fragment size derives from it. */
  maxMessageLength: number;
  /** Minimum pause between fragments sent in a row, in ms (sites throttle bursts). */
  sendPacingMs: number;
  conversation(root: Document): ConversationRef | null;
  composer(root: Document): HTMLElement | null;
  sendButton(root: Document): HTMLElement | null;
  /** Sends what is in the composer (click the button, or Enter, as the site expects). */
  send(root: Document, composer: HTMLElement): void;
  messageList(root: Document): HTMLElement | null;
  messages(list: HTMLElement): ScrapedMessage[];
  /**
   * One message element inside the list (a selector), and how to read one. With both, the
   * watcher reads only the messages a mutation added or changed instead of the whole list.
   */
  messageSelector?: string;
  readMessage?(element: HTMLElement): ScrapedMessage | null;
  /**
   * When the site says a message was sent (ms since epoch), or null. Lets the watcher tell a
   * reload's replayed history from live messages even when the history renders late.
   */
  sentAt?(message: HTMLElement): number | null;
  /** Webmail only (issue 14): the thread model. Chat adapters leave it out. */
  mail?: MailParts;
  /** Chats whose site takes uploads (issue 14: encrypted files); others leave it out. */
  uploads?: ChatUploads;
}

/**
 * A chat site's own upload: its file input, the address it puts in the composer once an upload
 * is stored (the user would send that link as a message), and the OffRecord upload links shown.
 */
export interface ChatUploads {
  /** The site's file input, or null when it offers no upload here. */
  input(root: Document): HTMLInputElement | null;
  /** The address of a finished OffRecord upload in the composer's text, or null while none. */
  uploaded(composerText: string): string | null;
  /** Addresses of OffRecord uploads (neutral name) in the shown conversation, oldest first. */
  links(root: Document): string[];
}

/**
 * What a webmail adapter adds: a mail thread is the conversation, each shown mail body is a
 * message, and the compose screen has a subject, an editor that may switch modes and an
 * attachment input.
 */
export interface MailParts {
  /** A stable id of the thread shown (view or compose), or null when none is open. */
  threadId(root: Document): string | null;
  /** The rendered body of each mail shown, oldest first (one in a single-mail view). */
  bodies(root: Document): MailBody[];
  /** Site quote containers inside a body that are not <blockquote> (never fed to the engine). */
  quoteSelectors: string[];
  /** The compose screen's subject field (OTR does not encrypt it), or null. */
  subject(root: Document): HTMLInputElement | null;
  /** The site's own file input for attachments on the compose screen, or null. */
  attachmentInput(root: Document): HTMLInputElement | null;
  /** Download addresses of the shown mail's OffRecord attachments (neutral name), oldest first. */
  encryptedAttachments?(root: Document): string[];
  /** How ciphertext gets into this composer: mail editors switch between plain and rich. */
  editorFor(composer: HTMLElement): InsertTechnique;
}

export interface MailBody {
  /** The element holding the body; the reader frame covers it. */
  element: HTMLElement;
  /** Sender's address as the page shows it ('' if it does not). */
  from: string;
  direction: 'incoming' | 'outgoing';
  /** The site's id for this mail (folder and UID, message id), '' if none. */
  id: string;
}
