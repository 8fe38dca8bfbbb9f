/** 127.0.0.0/8, localhost or [::1]: where plain http:// is allowed (tests, local stand-ins), never a secret's way out. */
export function isLoopbackHost(hostname: string): boolean {
  return /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(hostname);
}
