#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate agent/m2md/rtype_table.c from the ETSI M2M XML schemas.

For each resource type that m2md hosts, the table lists its attributes in
the order of its schema's sequence. Each attribute has a kind (long,
boolean, dateTime, list, nested complex type, reference), an access (RW,
WO, RO) and a flag for whether a create must give it. A type also lists
its sub-collections and, for a collection, the types it holds. Nested
complex types get their own element tables, so the parser and the
renderer handle them without any schema at run time.

The schemas say nothing about access, so the access rules of ETSI
TS 102 690 are written below as defaults and per-type overrides.

Usage: scripts/gen-rtypes.py [XSD_DIR [OUTPUT]]
(defaults: tests/xsd and agent/m2md/rtype_table.c of this repository).
"""

import os
import sys
import xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'
M2M_NS = 'http://uri.etsi.org/m2m'
XMLMIME_NS = 'http://www.w3.org/2005/05/xmlmime'

# Resource types hosted by the tree, in table order.
HOSTED = [
    'sclBase', 'scls', 'scl', 'applications', 'application',
    'applicationAnnc', 'containers', 'container', 'containerAnnc',
    'locationContainer', 'locationContainerAnnc', 'contentInstances',
    'contentInstance', 'groups', 'group', 'groupAnnc', 'membersContent',
    'accessRights', 'accessRight', 'accessRightAnnc', 'subscriptions',
    'subscription', 'notificationChannels', 'notificationChannel',
    'discovery',
]

# Virtual resources: computed on each request, never rows of the store.
# latest and oldest are the newest and oldest contentInstance of a
# contentInstances collection and have no schema of their own.
VIRTUAL = {'discovery', 'membersContent', 'latest', 'oldest'}
NO_SCHEMA = {'latest', 'oldest'}

# A GET of membersContent returns a membersContentResponses document, so
# the type has no attributes of its own (membersContent.xsd declares only
# that root element).
ATTRLESS = {'membersContent'}

# Documents that are not resources but that m2md writes or reads.
DOCS = ['errorInfo', 'notify', 'responseNotify', 'membersContentResponses']
DOC_FILES = {'membersContentResponses': 'membersContent'}

# Sub-collections of a resource come from its <xReference> elements. These
# are added because the schema has no reference element for them: the
# sclBase hosts notificationChannels, and a contentInstances collection
# has the virtual latest and oldest (its schema gives them as
# ReferenceToNamedResource elements, not as references to collections).
EXTRA_SUBS = {
    'sclBase': ['notificationChannels'],
    'contentInstances': ['latest', 'oldest'],
}

# Collections reference no sub-collection of their own (their schemas
# list subscriptionsReference and mgmtObjsReference, which m2md does not
# host for collections), except contentInstances.
COLLECTION_SUBS = {'contentInstances': ['subscriptions']}

# Attributes that only the SCL sets, whatever the type (TS 102 690 marks
# them RO everywhere they appear).
RO_ALWAYS = {
    'creationTime', 'lastModifiedTime', 'currentNrOfInstances',
    'currentByteSize', 'contentSize', 'currentNrOfMembers', 'matchSize',
    'truncated', 'discoveryURI', 'latest', 'oldest',
}

# Per-type access and required flags of TS 102 690 that differ from the
# defaults (RW, required when the schema's minOccurs is not 0). Each
# entry: (type, attribute) -> dict of access and/or required.
OVERRIDES = {
    # The registering SCL names its own URI once. Not required: some
    # gateways register without it and give pocs instead.
    ('scl', 'link'): {'access': 'WO'},
    # The hosting SCL tracks whether the remote SCL is reachable.
    ('scl', 'onlineStatus'): {'access': 'RO'},
    # An announced resource links to its original, fixed at announcement.
    ('applicationAnnc', 'link'): {'access': 'WO'},
    ('containerAnnc', 'link'): {'access': 'WO'},
    ('locationContainerAnnc', 'link'): {'access': 'WO'},
    ('groupAnnc', 'link'): {'access': 'WO'},
    ('accessRightAnnc', 'link'): {'access': 'WO'},
    # A locationContainer's type is chosen when it is created.
    ('locationContainer', 'locationContainerType'): {'access': 'WO'},
    # The kind of members of a group cannot change after creation.
    ('group', 'memberType'): {'access': 'WO'},
    # A subscription's contact and filter are fixed at creation, the
    # contact is mandatory, and the SCL decides the subscription type.
    ('subscription', 'contact'): {'access': 'WO', 'required': True},
    ('subscription', 'filterCriteria'): {'access': 'WO'},
    ('subscription', 'subscriptionType'): {'access': 'RO'},
    # A notification channel's type and contact are given on create; the
    # SCL fills channelData with the long-polling URI it serves.
    ('notificationChannel', 'channelType'): {'access': 'WO',
                                             'required': True},
    ('notificationChannel', 'contactURI'): {'access': 'WO'},
    ('notificationChannel', 'channelData'): {'access': 'RO'},
    # A contentInstance cannot be updated: what a create gives is fixed.
    ('contentInstance', 'delayTolerance'): {'access': 'WO'},
    ('contentInstance', 'contentTypes'): {'access': 'WO'},
    ('contentInstance', 'content'): {'access': 'WO'},
}

# channelData is declared with the abstract type ChannelData. The only
# concrete type that ETSI defines is LongPollingChannelData, so its
# elements are used, and the renderer names it with xsi:type.
TYPE_OVERRIDES = {'ChannelData': 'LongPollingChannelData'}

LONG_TYPES = {'long', 'int', 'integer', 'unsignedInt', 'unsignedLong',
              'short', 'unsignedShort', 'nonNegativeInteger',
              'positiveInteger'}


def local(qname):
    """Local part of a QName such as tns:Container or long."""
    return qname.split(':', 1)[1] if ':' in qname else qname


def prefix(qname):
    return qname.split(':', 1)[0] if ':' in qname else ''


class Schemas:
    """Global elements and types of every schema file of a directory."""

    def __init__(self, xsd_dir):
        self.elements = {}
        self.ctypes = {}
        self.stypes = {}
        self.files = {}
        for fname in sorted(os.listdir(xsd_dir)):
            if not fname.endswith('.xsd'):
                continue
            root = ET.parse(os.path.join(xsd_dir, fname)).getroot()
            tns = root.get('targetNamespace')
            key = 'xmlmime:' if tns == XMLMIME_NS else ''
            self.files[fname[:-4]] = root
            for node in root:
                name = node.get('name')
                if node.tag == XS + 'element':
                    self.elements[key + name] = node
                elif node.tag == XS + 'complexType':
                    self.ctypes[key + name] = node
                elif node.tag == XS + 'simpleType':
                    self.stypes[key + name] = node

    def type_key(self, qname):
        """Key of a named type: 'Foo' for tns:Foo, 'xmlmime:Foo'."""
        if prefix(qname) == 'xmlmime':
            return 'xmlmime:' + local(qname)
        return local(qname)


class Attr:
    """One attribute (element or XML attribute) of a table."""

    def __init__(self, name):
        self.name = name
        self.kind = 'STRING'
        self.access = 'RW'
        self.required = False
        self.item = None
        self.values = None
        self.elems = None
        self.repeated = False
        self.xml_attr = False
        self.qualified = False
        self.local = False
        self.item_local = False
        self.choice = 0


class Generator:
    def __init__(self, schemas):
        self.s = schemas
        self.tables = {}        # key -> list of Attr, in emission order
        self.value_lists = {}   # key -> list of strings

    # Simple types --------------------------------------------------------

    def simple_kind(self, qname):
        """(kind, enumeration key or None) of a simple type QName."""
        key = self.s.type_key(qname)
        if key in self.s.stypes:
            return self.simple_node_kind(self.s.stypes[key], local(qname))
        name = local(qname)
        if name in LONG_TYPES:
            return 'LONG', None
        if name == 'boolean':
            return 'BOOL', None
        if name == 'dateTime':
            return 'TIME', None
        return 'STRING', None

    def simple_node_kind(self, node, name):
        restr = node.find(XS + 'restriction')
        if restr is None:
            return 'STRING', None
        values = [e.get('value') for e in restr.findall(XS + 'enumeration')]
        if values:
            self.value_lists[name] = values
            return 'STRING', name
        return self.simple_kind(restr.get('base'))

    # Complex types -------------------------------------------------------

    def particles(self, ctype, choice_ids):
        """Attrs of a complexType node's content, in schema order."""
        out = []
        for node in ctype:
            if node.tag in (XS + 'sequence', XS + 'choice'):
                out += self.group(node, choice_ids, False)
            elif node.tag == XS + 'complexContent':
                ext = node.find(XS + 'extension')
                if ext is None:
                    continue        # restriction of anyType: empty
                base = self.s.ctypes[self.s.type_key(ext.get('base'))]
                out += self.particles(base, choice_ids)
                out += self.particles(ext, choice_ids)
            elif node.tag == XS + 'attribute':
                out.append(self.xml_attribute(node))
        return out

    def group(self, node, choice_ids, in_choice):
        out = []
        is_choice = node.tag == XS + 'choice'
        optional = node.get('minOccurs') == '0' or in_choice
        cid = 0
        if is_choice:
            choice_ids[0] += 1
            cid = choice_ids[0]
        for child in node:
            if child.tag == XS + 'element':
                attr = self.element(child)
                if optional or is_choice:
                    attr.required = False
                if is_choice:
                    attr.choice = cid
                out.append(attr)
            elif child.tag in (XS + 'sequence', XS + 'choice'):
                out += self.group(child, choice_ids, optional or is_choice)
        return out

    def xml_attribute(self, node):
        if node.get('ref'):
            attr = Attr(local(node.get('ref')))
            attr.qualified = True
        else:
            attr = Attr(node.get('name'))
        attr.xml_attr = True
        return attr

    def element(self, node):
        """Attr of an element particle (ref= or name= with a type)."""
        if node.get('ref'):
            decl = self.s.elements[local(node.get('ref'))]
        else:
            decl = node
        attr = Attr(decl.get('name'))
        # Without elementFormDefault="qualified", only global elements
        # are in the target namespace.
        attr.local = not node.get('ref')
        attr.required = node.get('minOccurs', '1') != '0'
        attr.repeated = node.get('maxOccurs', '1') != '1'
        inline = decl.find(XS + 'complexType')
        if decl.get('type'):
            self.typed(attr, decl.get('type'))
        elif inline is not None:
            self.complex(attr, inline, 'anon_' + attr.name)
        elif decl.find(XS + 'simpleType') is not None:
            attr.kind, attr.values = self.simple_node_kind(
                decl.find(XS + 'simpleType'), 'anon_' + attr.name)
        return attr

    def typed(self, attr, qname):
        key = self.s.type_key(qname)
        key = TYPE_OVERRIDES.get(key, key)
        if local(qname) == 'anyType':
            # NOTE: anyType elements (locTargetDevice, locRequestor) are
            # kept as text only; nested elements in them are rejected.
            attr.kind = 'STRING'
        elif key in self.s.ctypes:
            self.complex(attr, self.s.ctypes[key], key)
        else:
            attr.kind, attr.values = self.simple_kind(qname)

    def complex(self, attr, ctype, key):
        simple = ctype.find(XS + 'simpleContent')
        if simple is not None:
            # Text with attributes (xmlmime base64Binary, a reference
            # with an id): the text is the value.
            ext = simple.find(XS + 'extension')
            attr.kind, attr.values = self.simple_kind(ext.get('base'))
            return
        parts = self.particles(ctype, [0])
        elems = [p for p in parts if not p.xml_attr]
        if (len(elems) == 1 and len(parts) == 1 and elems[0].repeated and
                elems[0].kind in ('STRING', 'LONG', 'BOOL', 'TIME')):
            attr.kind = 'LIST'
            attr.item = elems[0].name
            attr.item_local = elems[0].local
            attr.values = elems[0].values
            return
        attr.kind = 'COMPLEX'
        attr.elems = key
        self.tables.setdefault(key, parts)

    # Resource types ------------------------------------------------------

    def root_type(self, name):
        """(element declaration, complexType node) of a document root."""
        decl = self.s.elements[name]
        if decl.get('type'):
            return decl, self.s.ctypes[self.s.type_key(decl.get('type'))]
        return decl, decl.find(XS + 'complexType')

    def resource(self, name):
        info = {'name': name, 'id_attr': None, 'id_qualified': False,
                'subs': [], 'child': None, 'children': [],
                'collection': None, 'attrs': [], 'virtual': name in VIRTUAL}
        if name in NO_SCHEMA or name in ATTRLESS:
            return info
        _, ctype = self.root_type(name)
        parts = self.particles(ctype, [0])
        collection = name.endswith('s') and any(
            p.name.endswith('Collection') for p in parts)
        for p in parts:
            if p.xml_attr:
                if p.name != 'href' and info['id_attr'] is None:
                    info['id_attr'] = p.name
                    info['id_qualified'] = p.qualified
                continue
            self.resource_attr(name, p, info, collection)
            info['attrs'].append(p)
        if collection:
            info['subs'] = list(COLLECTION_SUBS.get(name, []))
        info['subs'] += EXTRA_SUBS.get(name, [])
        if collection:
            info['child'] = info['children'][0]
            info['collection'] = info['child'] + 'Collection'
        return info

    def resource_attr(self, rtype, p, info, collection):
        n = p.name
        if n.endswith('Collection'):
            p.kind = 'REFERENCE'
            child = n[:-len('Collection')]
            if child in HOSTED:
                info['children'].append(child)
        elif n.endswith('Reference') or n in ('latest', 'oldest'):
            p.kind = 'REFERENCE'
            sub = n[:-len('Reference')]
            if (n.endswith('Reference') and sub in HOSTED and
                    not collection):
                info['subs'].append(sub)
        if p.kind == 'REFERENCE' or n in RO_ALWAYS:
            p.access = 'RO'
            p.required = False
        over = OVERRIDES.get((rtype, n), {})
        p.access = over.get('access', p.access)
        p.required = over.get('required', p.required)

    def document(self, name):
        _, ctype = self.root_type(name)
        parts = self.particles(ctype, [0])
        for p in parts:
            if not p.xml_attr:
                p.access = 'RO'
        return {'name': name, 'id_attr': None, 'id_qualified': False,
                'subs': [], 'child': None, 'children': [],
                'collection': None, 'virtual': False,
                'attrs': [p for p in parts if not p.xml_attr]}


def c_ident(key):
    return key.replace(':', '_')


def emit_attr(a, out, indent='\t'):
    fields = ['.name = "%s"' % a.name, '.kind = M2MD_ATTR_%s' % a.kind]
    if a.access != 'RW':
        fields.append('.access = M2MD_ACCESS_%s' % a.access)
    if a.required:
        fields.append('.required = true')
    if a.item:
        fields.append('.item = "%s"' % a.item)
    if a.values:
        fields.append('.values = m2md_values_%s' % c_ident(a.values))
    if a.elems:
        fields.append('.elems = m2md_elems_%s' % c_ident(a.elems))
    if a.repeated:
        fields.append('.repeated = true')
    if a.xml_attr:
        fields.append('.xml_attr = true')
    if a.qualified:
        fields.append('.qualified = true')
    if a.local:
        fields.append('.local = true')
    if a.item_local:
        fields.append('.item_local = true')
    if a.choice:
        fields.append('.choice = %d' % a.choice)

    line = indent + '{ ' + ', '.join(fields) + ' },'
    if len(line.expandtabs()) <= 80:
        out.append(line)
        return

    # Too long for one line: wrap the fields at 80 columns.
    out.append(indent + '{ ' + fields[0] + ',')
    cur = indent + '  '
    for i, f in enumerate(fields[1:]):
        sep = ' },' if i == len(fields) - 2 else ','
        if len((cur + f + sep).expandtabs()) > 80 and cur.strip():
            out.append(cur.rstrip())
            cur = indent + '  '
        cur += f + sep + ' '
    out.append(cur.rstrip())


def emit_strv(name, items, out):
    if not items:
        return
    out.append('static const char *const %s[] = {' % name)
    for it in items:
        out.append('\t"%s",' % it)
    out.append('\tNULL,')
    out.append('};')
    out.append('')


def emit_table(name, attrs, out):
    out.append('static const struct m2md_attr %s[] = {' % name)
    for a in attrs:
        emit_attr(a, out)
    out.append('\t{ .name = NULL },')
    out.append('};')
    out.append('')


def emit_type(t, out, indent='\t'):
    n = t['name']
    out.append(indent + '{')
    out.append(indent + '\t.name = "%s",' % n)
    if t['id_attr']:
        out.append(indent + '\t.id_attr = "%s",' % t['id_attr'])
    if t['id_qualified']:
        out.append(indent + '\t.id_qualified = true,')
    if t['subs']:
        out.append(indent + '\t.subs = m2md_subs_%s,' % n)
    if t['child']:
        out.append(indent + '\t.child = "%s",' % t['child'])
        out.append(indent + '\t.children = m2md_children_%s,' % n)
        out.append(indent + '\t.collection = "%s",' % t['collection'])
    out.append(indent + '\t.attrs = m2md_attrs_%s,' % n)
    if t['virtual']:
        out.append(indent + '\t.virtual_res = true,')
    out.append(indent + '},')


def generate(xsd_dir):
    gen = Generator(Schemas(xsd_dir))
    types = [gen.resource(n) for n in HOSTED]
    types.insert(types.index(next(t for t in types
                                  if t['name'] == 'contentInstance')) + 1,
                 gen.resource('latest'))
    types.insert(types.index(next(t for t in types
                                  if t['name'] == 'latest')) + 1,
                 gen.resource('oldest'))
    docs = [gen.document(n) for n in DOCS]

    out = ['// SPDX-License-Identifier: GPL-2.0',
           '/*',
           ' * Generated by scripts/gen-rtypes.py from the ETSI M2M XML '
           'schemas in',
           ' * tests/xsd. Do not edit: change the script (its override '
           'tables hold',
           ' * the access rules of TS 102 690) and run it again.',
           ' */',
           '#include "rtype.h"',
           '']
    for key in sorted(gen.value_lists):
        emit_strv('m2md_values_%s' % c_ident(key), gen.value_lists[key],
                  out)
    done = set()

    def emit_elems(key):
        if key in done:
            return
        done.add(key)
        for a in gen.tables[key]:
            if a.elems:
                emit_elems(a.elems)
        emit_table('m2md_elems_%s' % c_ident(key), gen.tables[key], out)

    for key in sorted(gen.tables):
        emit_elems(key)
    for t in types + docs:
        emit_strv('m2md_subs_%s' % t['name'], t['subs'], out)
        emit_strv('m2md_children_%s' % t['name'], t['children'], out)
        emit_table('m2md_attrs_%s' % t['name'], t['attrs'], out)
    out.append('const struct m2md_rtype m2md_rtypes[] = {')
    for t in types:
        emit_type(t, out)
    out.append('};')
    out.append('')
    out.append('const size_t m2md_n_rtypes = '
               'sizeof(m2md_rtypes) / sizeof(m2md_rtypes[0]);')
    out.append('')
    out.append('const struct m2md_rtype m2md_rtype_docs[] = {')
    for t in docs:
        emit_type(t, out)
    out.append('};')
    out.append('')
    out.append('const size_t m2md_n_rtype_docs =')
    out.append('\tsizeof(m2md_rtype_docs) / sizeof(m2md_rtype_docs[0]);')
    return '\n'.join(out) + '\n'


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    xsd_dir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(top, 'tests', 'xsd')
    output = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.join(top, 'agent', 'm2md', 'rtype_table.c')
    text = generate(xsd_dir)
    with open(output, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
