// Text written by someone else (token names, owners, issuers, mute reasons) must show what is there and
// nothing else: no control characters, no bidi controls that reorder what is shown (U+202E), and nothing that
// takes no room on screen while it changes what the text is (zero-width characters, tag characters hiding
// ASCII, fillers that look blank). Unicode's Default_Ignorable_Code_Point covers most of these; the rest are
// named: format characters (Cf), controls (Cc), lone surrogates (Cs: half an emoji is not text), line and
// paragraph separators, and the blanks that are letters or symbols (Hangul fillers are also default-ignorable,
// U+2800 BRAILLE PATTERN BLANK is not).
// The class lists combining code points (U+034F, variation selectors) alone, to match each one by itself:
// what the rule warns of is what is meant here.
const INVISIBLE =
  // eslint-disable-next-line no-misleading-character-class
  /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u034f\u115f\u1160\u3164\uffa0\u2800\ufe00-\ufe0f\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]+/gu;

/**
 * Untrusted text as one visible line: every invisible or default-ignorable code point becomes a space, runs of
 * white space become one space, and the ends are trimmed. Pure; it neither escapes nor shortens.
 */
export function cleanText(value: string): string {
  return value.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
}
