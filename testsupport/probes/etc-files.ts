/** One line of /etc/passwd. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

/** One line of /etc/group. */
export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 7)
    .map(([name, , uid, gid, gecos, home, shell]) => ({
      name: name ?? '',
      uid: Number(uid),
      gid: Number(gid),
      gecos: gecos ?? '',
      home: home ?? '',
      shell: shell ?? '',
    }));
}

export function parseGroup(text: string): GroupEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4)
    .map(([name, , gid, members]) => ({
      name: name ?? '',
      gid: Number(gid),
      members: (members ?? '').split(',').filter((m) => m !== ''),
    }));
}
