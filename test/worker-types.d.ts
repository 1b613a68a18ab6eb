// Worker-only WebRTC types that the unit tests reach through worker modules; the DOM library lacks them.
interface RTCRtpScriptTransformer {
  readonly readable: ReadableStream;
  readonly writable: WritableStream;
  readonly options: unknown;
  sendKeyFrameRequest(): Promise<void>;
}
