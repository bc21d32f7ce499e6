/**
 * Private group rooms: sender keys over pairwise OTR. Pure TypeScript like src/otr: every
 * entry point takes a room's JSON state and returns `{ state, send, direct, sent, show, events }`;
 * random and clock are injected.
 */
export { createRoom, inviteMember, readInvite, acceptInvite, removeMember, leaveRoom, redistribute, resendChain, markUndelivered, receiveRecord } from './membership';
export type { RoomOptions } from './membership';
export { postToRoom, receiveGroupText, MAX_POST_BYTES } from './posting';
export { collectGroupText, createChannel, groupTextRoomId } from './channel';
export type { ChannelState } from './channel';
export { isGroupText, GROUP_PREFIX, GROUP_FRAGMENT_PREFIX } from './post';
export { TLV_GROUP, groupRecordRoomId, MAX_MEMBERS } from './tlv';
export { MAX_SKIPPED_KEYS, MAX_FORWARD_STEPS } from './chain';
export { REKEY_POSTS, REKEY_MS, MAX_EPOCHS_KEPT, MAX_WAITING_POSTS } from './room';
export type { GroupEnv, GroupEvent, GroupStepResult, RoomState, ShownPost, DirectRecord, Trust, TrustMap, DropReason, RoomStatus } from './room';
export { roomView } from './status';
export type { RoomView, RoomMemberView } from './status';
