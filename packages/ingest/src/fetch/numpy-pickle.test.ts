import { InputError } from '@driftwatch/contracts';
import {
  formatFloat32,
  formatFloat64,
  numpyArrayToText,
  numpyValues,
  positionalDecimal,
  readNumpyPickle,
} from './numpy-pickle';
import { numpyPickle } from './testing';

// `pickle.dumps(np.array([[0.49, 0.5, 1.0], [0.0, 0.01, 1e-7]], dtype=np.float32), protocol=p)`, numpy 2.4
const FROM_NUMPY: Record<number, string> = {
  2:
    'gAJjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECY19jb2RlY3MKZW5jb2Rl' +
    'CnEDWAEAAABicQRYBgAAAGxhdGluMXEFhnEGUnEHh3EIUnEJKEsBSwJLA4ZxCmNudW1weQpkdHlwZQpxC1gCAAAAZjRxDImIh3ENUnEOK' +
    'EsDWAEAAAA8cQ9OTk5K/////0r/////SwB0cRBiiWgDWB8AAABIw6HDuj4AAAA/AADCgD8AAAAACsOXIzzClcK/' +
    'w5YzcRFoBYZxElJxE3RxFGIu',
  3:
    'gANjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECQwFicQOHcQRScQUoSwFL' +
    'AksDhnEGY251bXB5CmR0eXBlCnEHWAIAAABmNHEIiYiHcQlScQooSwNYAQAAADxxC05OTkr/////Sv////' +
    '9LAHRxDGKJQxhI4fo+AAAAPwAAgD8AAAAACtcjPJW/1jNxDXRxDmIu',
  4:
    'gASVowAAAAAAAACMFm51bXB5Ll9jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRD' +
    'AWKUh5RSlChLAUsCSwOGlGgDjAVkdHlwZZSTlIwCZjSUiYiHlFKUKEsDjAE8lE5OTkr/////Sv////9LAHSUYolDGEjh+j4AAAA/' +
    'AACAPwAAAAAK1yM8lb/WM5R0lGIu',
  5:
    'gAWVjgAAAAAAAACME251bXB5Ll9jb3JlLm51bWVyaWOUjAtfZnJvbWJ1ZmZlcpSTlCiWGAAAAAAAAABI4fo+AAAAPwAAgD8AAAAACtcj' +
    'PJW/1jOUjAVudW1weZSMBWR0eXBllJOUjAJmNJSJiIeUUpQoSwOMATyUTk5OSv////9K/////0sAdJRiSwJLA4aUjAFDlHSUUpQu',
};
// np.array([0., 1., 0.]) (float64), protocol 3; and np.asfortranarray([[1, 2, 3], [4, 5, 6]], float32), protocol 3
const LABELS_F8 =
  'gANjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECQwFicQOHcQRScQUoSwFL' +
  'A4VxBmNudW1weQpkdHlwZQpxB1gCAAAAZjhxCImIh3EJUnEKKEsDWAEAAAA8cQtOTk5K/////0r/////' +
  'SwB0cQxiiUMYAAAAAAAAAAAAAAAAAADwPwAAAAAAAAAAcQ10cQ5iLg==';
const FORTRAN =
  'gANjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECQwFicQOHcQRScQUoSwFL' +
  'AksDhnEGY251bXB5CmR0eXBlCnEHWAIAAABmNHEIiYiHcQlScQooSwNYAQAAADxxC05OTkr/////Sv////9LAHRxDGKIQxgAAIA/' +
  'AACAQAAAAEAAAKBAAABAQAAAwEBxDXRxDmIu';
// a pickle that would run os.system('echo hi') if loaded by Python
const EVIL = 'gANjcG9zaXgKc3lzdGVtCnEAWAcAAABlY2hvIGhpcQGFcQJScQMu';

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('numpy array pickles', () => {
  it.each([2, 3, 4, 5])(
    'reads protocol %i as numpy writes it and prints numpy format_float_positional text',
    (protocol) => {
      const a = readNumpyPickle(b64(FROM_NUMPY[protocol]));
      expect(a.shape).toEqual([2, 3]);
      expect(a.dtype).toBe('f4');
      // numpy: format_float_positional(np.float32(x), unique=True, trim='-') gives 0.49, 0.5, 1, 0, 0.01, 0.0000001
      expect(numpyArrayToText(a)).toBe('0.49,0.5,1\n0,0.01,0.0000001\n');
    },
  );

  it('reads float64 labels and Fortran-ordered arrays', () => {
    expect(numpyArrayToText(readNumpyPickle(b64(LABELS_F8)))).toBe('0\n1\n0\n');
    const f = readNumpyPickle(b64(FORTRAN));
    expect(f.fortran).toBe(true);
    expect(numpyValues(f)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads the numpy 1.x module name, and the test writer matches numpy byte for byte', () => {
    const numpy1 = Buffer.from(
      b64(FROM_NUMPY[3]).toString('latin1').replace('numpy._core.multiarray', 'numpy.core.multiarray'),
      'latin1',
    );
    const values = Float32Array.from([0.49, 0.5, 1, 0, 0.01, 1e-7]);
    expect(numpyPickle(values, [2, 3])).toEqual(numpy1);
    expect(numpyPickle(values, [2, 3], 'numpy._core.multiarray')).toEqual(b64(FROM_NUMPY[3]));
    expect(numpyPickle(Float64Array.from([0, 1, 0]), [3], 'numpy._core.multiarray')).toEqual(b64(LABELS_F8));
    expect(numpyArrayToText(readNumpyPickle(numpy1))).toBe('0.49,0.5,1\n0,0.01,0.0000001\n');
  });

  it('refuses globals other than numpy array rebuilding, and truncated data', () => {
    expect(() => readNumpyPickle(b64(EVIL), 'evil.pkl')).toThrow(/posix\.system/);
    expect(() => readNumpyPickle(b64(EVIL), 'evil.pkl')).toThrow(InputError);
    const whole = b64(FROM_NUMPY[3]);
    expect(() => readNumpyPickle(whole.subarray(0, whole.length - 10))).toThrow(InputError);
  });

  it('formats floats like numpy (shortest round trip, positional, trailing zeros trimmed)', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(0.032258))).toBe('0.032258');
    expect(formatFloat32(Math.fround(123456.7))).toBe('123456.7');
    expect(formatFloat32(Math.fround(1e10))).toBe('10000000000');
    expect(formatFloat32(-0)).toBe('-0');
    expect(formatFloat64(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatFloat64(1.5e-7)).toBe('0.00000015');
    expect(positionalDecimal('2.50')).toBe('2.5');
    expect(positionalDecimal('1.2e+3')).toBe('1200');
  });
});
