#!/usr/bin/env python3
"""Prints the COMMAND DOCS entries of Redis commands as C for commands/docs/<family>.c.

    src/commands/docs/from_redis.py PORT NAME [NAME ...]

PORT is a redis-server 7.0 to ask (start one with `redis-server --port PORT
--save '' --appendonly no`); NAME is a command or subcommand ("zadd",
"config|get"). For each, the argument table (if any) and the docs entry are
printed; paste them into the family's docs file, then append a "sandstore:"
note to the summary or complexity where sandstore behaves differently
(tests/integration/test_command_table.c compares everything before such a
note with Redis). Tips and key-spec notes come from COMMAND INFO.
Standard library only.
"""
import socket
import sys

def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    return s, s.makefile("rb")

def call(conn, *args):
    s, f = conn
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    s.sendall(out)
    return read(f)

def read(f):
    line = f.readline()[:-2]
    t, rest = chr(line[0]), line[1:]
    if t == '+':
        return rest.decode()
    if t == '-':
        raise RuntimeError(rest.decode())
    if t == ':':
        return int(rest)
    if t == '$':
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if t == '*':
        n = int(rest)
        return None if n < 0 else [read(f) for _ in range(n)]
    raise RuntimeError("unexpected reply type " + t)

def pairs(lst):
    return dict(zip(lst[::2], lst[1::2]))

def cq(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

ARG_TYPES = {'string': 'ARG_STRING', 'integer': 'ARG_INTEGER', 'double': 'ARG_DOUBLE', 'key': 'ARG_KEY',
             'pattern': 'ARG_PATTERN', 'unix-time': 'ARG_UNIX_TIME', 'pure-token': 'ARG_PURE_TOKEN',
             'oneof': 'ARG_ONEOF', 'block': 'ARG_BLOCK'}
ARG_FLAGS = {'optional': 'ARG_OPTIONAL', 'multiple': 'ARG_MULTIPLE', 'multiple_token': 'ARG_MULTIPLE_TOKEN'}

def arg_lines(args, depth):
    out = []
    for a in args:
        m = pairs(a)
        fields = [cq(m['name']), ARG_TYPES[m['type']]]
        if 'key_spec_index' in m:
            fields.append('.key_spec_index = %d' % m['key_spec_index'])
        for k in ('token', 'summary', 'since', 'deprecated_since'):
            if k in m:
                fields.append('.%s = %s' % (k, cq(m[k])))
        if m.get('flags'):
            fields.append('.flags = ' + ' | '.join(ARG_FLAGS[f] for f in m['flags']))
        if 'arguments' in m:
            fields.append('.nargs = %d' % len(m['arguments']))
        out.append('    ' + '    ' * depth + 'ARG(' + ', '.join(fields) + '),')
        if 'arguments' in m:
            out += arg_lines(m['arguments'], depth + 1)
    return out

def c_ident(name):
    return name.replace('|', '_').replace('-', '_')

def entry(conn, name):
    docs = call(conn, 'COMMAND', 'DOCS', name)
    if not docs:
        raise SystemExit("redis-server has no command " + name)
    d = pairs(docs[1])
    info = call(conn, 'COMMAND', 'INFO', name)[0]
    tips, specs = info[7], info[8]
    text = []
    key_only = d.get('arguments') == [['name', 'key', 'type', 'key', 'key_spec_index', 0]]
    if 'arguments' in d and not key_only:
        text.append('static const ss_cmdarg %s_args[] = {' % c_ident(name))
        text += arg_lines(d['arguments'], 0)
        text += ['    SS_ARGS_END,', '};', '']
    e = ['    {.name = %s, .group = %s, .since = %s,' % (cq(name), cq(d['group']), cq(d['since'])),
         '     .summary = %s,' % cq(d['summary'])]
    if 'complexity' in d:
        e.append('     .complexity = %s,' % cq(d['complexity']))
    if d.get('doc_flags'):
        e.append('     .doc_flags = ' + ' | '.join('SS_DOC_' + f.upper() for f in d['doc_flags']) + ',')
    for k in ('deprecated_since', 'replaced_by'):
        if k in d:
            e.append('     .%s = %s,' % (k, cq(d[k])))
    if d.get('history'):
        items = ['{%s, %s}' % (cq(h[0]), cq(h[1])) for h in d['history']]
        e.append('     .history = SS_HISTORY(' + (',\n' + ' ' * 27).join(items) + '),')
    if key_only:
        e.append('     .args = ss_args_key,')
    elif 'arguments' in d:
        e.append('     .args = %s_args,' % c_ident(name))
    if tips:
        e.append('     .tips = SS_TIPS(%s),' % ', '.join(cq(t) for t in tips))
    notes = [pairs(s).get('notes') for s in specs]
    if any(notes):
        e.append('     .key_notes = {%s},' % ', '.join(cq(n) if n else 'NULL' for n in notes))
    e[-1] = e[-1].rstrip(',') + '},'
    return text, e

def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    conn = connect(int(sys.argv[1]))
    for name in sys.argv[2:]:
        args, e = entry(conn, name.lower())
        print('\n'.join(args + e))

if __name__ == '__main__':
    main()
