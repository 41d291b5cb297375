package topic

// An acMachine is an Aho–Corasick automaton over bytes: it finds every
// occurrence of every pattern in one pass over a text, in time proportional
// to the text and the number of occurrences, whatever the number of
// patterns. Patterns are added to a trie (add), which build then turns into
// a deterministic automaton over byte classes (one class per byte that
// occurs in some pattern, and class 0 for all other bytes). It is immutable
// once built.
type acMachine struct {
	// Built by add:
	nodes []trieNode

	// Built by build:
	class   [256]uint16 // byte -> class
	nclass  int32
	delta   []int32 // state*nclass + class -> next state; state 0 is the start
	outIdx  []int32 // outputs of state s: outList[outIdx[s]:outIdx[s+1]]
	outList []acOut
	// trans is delta as the matching loop reads it, each entry holding
	// what the loop needs of the next state in one load: the offset of its
	// row (state*nclass) shifted left by one, and in the low bit whether
	// it has outputs. See next.
	trans []uint32
}

type trieNode struct {
	labels []byte  // bytes of the outgoing edges
	next   []int32 // their targets
	out    []acOut // patterns ending here
}

// An acOut is what a pattern reports: its word pattern and its length.
type acOut struct {
	wp  int32
	len int32
}

func newACMachine() *acMachine {
	return &acMachine{nodes: []trieNode{{}}}
}

func (m *acMachine) child(n int32, c byte) int32 {
	nd := &m.nodes[n]
	for i, l := range nd.labels {
		if l == c {
			return nd.next[i]
		}
	}
	return -1
}

// add adds a pattern; it must not be called after build.
func (m *acMachine) add(p []byte, o acOut) {
	n := int32(0)
	for _, c := range p {
		t := m.child(n, c)
		if t < 0 {
			t = int32(len(m.nodes))
			m.nodes = append(m.nodes, trieNode{})
			m.nodes[n].labels = append(m.nodes[n].labels, c)
			m.nodes[n].next = append(m.nodes[n].next, t)
		}
		n = t
	}
	for _, x := range m.nodes[n].out {
		if x == o {
			return
		}
	}
	m.nodes[n].out = append(m.nodes[n].out, o)
}

// build computes the automaton; call it once, after the last add.
func (m *acMachine) build() {
	var bytesOf []byte // class -> byte, for classes > 0
	m.nclass = 1
	bytesOf = append(bytesOf, 0)
	for _, nd := range m.nodes {
		for _, c := range nd.labels {
			if m.class[c] == 0 {
				m.class[c] = uint16(m.nclass)
				m.nclass++
				bytesOf = append(bytesOf, c)
			}
		}
	}
	nc := m.nclass
	m.delta = make([]int32, int32(len(m.nodes))*nc)
	fail := make([]int32, len(m.nodes))
	order := make([]int32, 0, len(m.nodes)) // breadth first
	for i, c := range m.nodes[0].labels {
		t := m.nodes[0].next[i]
		m.delta[int32(m.class[c])] = t
		order = append(order, t)
	}
	for q := 0; q < len(order); q++ {
		u := order[q]
		fu := fail[u]
		// Transitions: the trie's edges, else those of the failure state.
		copy(m.delta[u*nc:(u+1)*nc], m.delta[fu*nc:(fu+1)*nc])
		for i, c := range m.nodes[u].labels {
			v := m.nodes[u].next[i]
			fail[v] = m.delta[fu*nc+int32(m.class[c])]
			m.delta[u*nc+int32(m.class[c])] = v
			order = append(order, v)
		}
	}
	// Outputs of a state: its own, then those of its failure chain (which,
	// being shallower, come earlier in breadth-first order).
	m.outIdx = make([]int32, len(m.nodes)+1)
	lists := make([][]acOut, len(m.nodes))
	for _, u := range order {
		lists[u] = append(append([]acOut(nil), m.nodes[u].out...), lists[fail[u]]...)
	}
	for s := range m.nodes {
		m.outIdx[s] = int32(len(m.outList))
		m.outList = append(m.outList, lists[s]...)
	}
	m.outIdx[len(m.nodes)] = int32(len(m.outList))
	m.trans = make([]uint32, len(m.delta))
	for i, t := range m.delta {
		m.trans[i] = uint32(t*nc) << 1
		if m.outIdx[t] != m.outIdx[t+1] {
			m.trans[i] |= 1
		}
	}
	m.nodes = nil // the trie is no longer needed
}

// next returns the entry of trans for reading c in the state whose entry
// is e (the start state's is 0): e>>1 + the class of c indexes trans, and
// the low bit of the entry returned is set when the state reached has
// outputs (its number is stateOf the entry).
func (m *acMachine) next(e uint32, c byte) uint32 {
	return m.trans[e>>1+uint32(m.class[c])]
}

// stateOf returns the state of an entry of trans.
func (m *acMachine) stateOf(e uint32) int32 {
	return int32(e>>1) / m.nclass
}

// step returns the state after reading c in state s.
func (m *acMachine) step(s int32, c byte) int32 {
	return m.delta[s*m.nclass+int32(m.class[c])]
}

// outputs returns the patterns that end in state s.
func (m *acMachine) outputs(s int32) []acOut {
	return m.outList[m.outIdx[s]:m.outIdx[s+1]]
}
