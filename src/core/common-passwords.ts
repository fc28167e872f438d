// The most common passwords of at least 8 characters from public breach corpora (NIST SP 800-63B §5.1.1.2
// asks verifiers to refuse such values). Kept short on purpose: it blocks the worst choices without
// becoming a composition rule. Compared case-insensitively.
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '12345678910', '123123123', '11111111', '00000000', '88888888',
  '87654321', '987654321', '11223344', '12341234', '1q2w3e4r', '1q2w3e4r5t', '1qaz2wsx', 'qwertyui',
  'qwertyuiop', 'asdfghjk', 'asdfghjkl', 'zxcvbnm1', 'password', 'password1', 'password12', 'password123',
  'passw0rd', 'p@ssw0rd', 'p@ssword', 'letmein1', 'iloveyou', 'iloveyou1', 'sunshine', 'princess',
  'football', 'baseball', 'whatever', 'trustno1', 'superman', 'starwars', 'computer', 'michelle',
  'jennifer', 'corvette', 'mercedes', 'welcome1', 'welcome123', 'changeme', 'qwerty123', 'qwerty12',
  'abc12345', 'abcd1234', 'a1b2c3d4', 'aa123456', 'admin123', 'administrator', 'access14', 'master12',
  'monkey12', 'dragon12', 'shadow12', 'freedom1', 'football1', 'zaq12wsx', 'q1w2e3r4', 'q1w2e3r4t5',
  '!qaz2wsx', 'qazwsxedc', 'password!', 'Password1', 'Password1!', 'iloveyou2', 'lovely123', 'secret123',
  'bankcore', 'bankcore1', 'bankcore123',
].map((p) => p.toLowerCase()));
