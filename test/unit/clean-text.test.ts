import { describe, expect, it } from '@jest/globals';
import { cleanText } from '../../src/core/clean-text.js';

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Every code point the cleaner must remove, by why: each is tested alone between two letters.
const INVISIBLE: Record<string, readonly number[]> = {
  'C0 and C1 controls, DEL': [...range(0x00, 0x1f), ...range(0x7f, 0x9f)],
  'soft hyphen, Arabic letter mark, Mongolian vowel separator': [0xad, 0x61c, 0x180e],
  'zero-width characters and directional marks': range(0x200b, 0x200f),
  'line and paragraph separators, bidi embeddings and overrides': range(0x2028, 0x202e),
  'word joiner, invisible operators, bidi isolates, deprecated format controls': range(0x2060, 0x206f),
  'byte order mark / zero-width no-break space': [0xfeff],
  'combining grapheme joiner': [0x34f],
  'Hangul fillers': [0x115f, 0x1160, 0x3164, 0xffa0],
  'braille pattern blank': [0x2800],
  'variation selectors': range(0xfe00, 0xfe0f),
  'variation selectors supplement': range(0xe0100, 0xe01ef),
  'tag characters': range(0xe0000, 0xe007f),
  'interlinear annotation, shorthand format controls, musical format controls': [0xfff9, 0xfffa, 0xfffb, 0x1bca0, 0x1bca3, 0x1d173, 0x1d17a],
  'other default-ignorables: Khmer inherent vowels, Mongolian free variation selectors': [0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180f],
};

describe('cleanText', () => {
  for (const [why, codePoints] of Object.entries(INVISIBLE)) {
    it(`removes ${why}`, () => {
      const kept = codePoints.filter((cp) => cleanText(`a${String.fromCodePoint(cp)}b`) !== 'a b').map(hex);
      expect(kept).toEqual([]);
    });
  }

  it('removes lone surrogates, high or low, anywhere', () => {
    for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff']) {
      expect(cleanText(`a${lone}b`)).toBe('a b');
      expect(cleanText(`${lone}ab`)).toBe('ab');
      expect(cleanText(`ab${lone}`)).toBe('ab');
    }
    // a high half before a low half is one emoji, not two lone ones
    expect(cleanText('a\ud83d\ude00b')).toBe('a😀b');
    expect(cleanText('\ude00\ud83d')).toBe('');
  });

  it('leaves nothing of a run of invisibles but one space, and nothing at the ends', () => {
    expect(cleanText('\u{e0041}\u{e0042}\u3164\u2800 x \u200b\ufe0f\u034f y\u115f')).toBe('x y');
    expect(cleanText('\u3164\u3164\u2800')).toBe('');
    expect(cleanText('a \t\n\r\u00a0\u3000 b')).toBe('a b');
  });

  it('keeps visible text: letters, accents, combining marks, CJK, Hangul syllables, emoji and the characters Slack escapes', () => {
    const visible = 'Ünïcødé e\u0301 ✓ 😀 🚀 日本 한국어 Ж & < > * _ ` ~';
    expect(cleanText(visible)).toBe(visible);
  });

  it('neither escapes nor shortens', () => {
    expect(cleanText('&'.repeat(10_000))).toBe('&'.repeat(10_000));
  });
});
