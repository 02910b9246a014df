/** The authenticated device a call comes from. Set by the auth interceptor, read by every handler. */
export interface Caller {
  userId: string;
  deviceId: string;
}
