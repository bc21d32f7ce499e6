/** What the site sees of an encrypted upload: a neutral name and type, whatever the file is. */
export const UPLOAD_NAME = 'private-file.offrecord';
export const UPLOAD_TYPE = 'application/octet-stream';
