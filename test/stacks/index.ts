/** Local chat stacks for the e2e tests and `node scripts/stacks.mjs`. */
export { startIrcStack, LOUNGE_PASSWORD, type IrcStack, type IrcStackOptions } from './irc';
export { startXmppStack, XMPP_USERS, XMPP_PASSWORD, XMPP_DOMAIN, type XmppStack } from './xmpp';
export { startIrcObserver, waitOnIrc, type IrcObserver } from './irc-observer';
export { startIrssi, type IrssiPeer } from './irssi';
export { startMailStack, MAIL_USERS, MAIL_PASSWORD, MAIL_DOMAIN, type MailStack, type MailUser, type StoredMail } from './mail';
