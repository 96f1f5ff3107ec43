package service

import (
	"slices"
	"strings"

	"chatroom/model"
)

// This file owns a room's names kept in the order of its user list pages
// (model/namefold.go: by fold, then by the name). A nameIndex keeps it
// incrementally: a sorted base and a small sorted list of names added
// since, with a set of the base's names that left; when those grow past an eighth of the base they are merged into a
// new base, in O(n). A page costs a binary search and its own length, so a
// storm of joiners each sent a first page costs no sort per join.

// sortedName is one name and its fold, compared by fold then name
// (model.CompareNames, with the fold worked out once).
type sortedName struct{ fold, name string }

func compareSorted(a, b sortedName) int {
	if c := strings.Compare(a.fold, b.fold); c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}

// nameIndex is a set of names in page order.
type nameIndex struct {
	base    []sortedName        // sorted
	added   []sortedName        // sorted, none of them in base
	removed map[string]struct{} // names of base that are gone
}

// newNameIndex indexes names, in any order.
func newNameIndex(names []string) *nameIndex {
	x := &nameIndex{removed: make(map[string]struct{})}
	x.base = make([]sortedName, len(names))
	for i, n := range names {
		x.base[i] = sortedName{model.FoldName(n), n}
	}
	slices.SortFunc(x.base, compareSorted)
	return x
}

// add adds name, which is not in the set.
func (x *nameIndex) add(name string) {
	if _, ok := x.removed[name]; ok {
		delete(x.removed, name) // still in base, in its place
		return
	}
	k := sortedName{model.FoldName(name), name}
	i, _ := slices.BinarySearchFunc(x.added, k, compareSorted)
	x.added = slices.Insert(x.added, i, k)
	x.settle()
}

// remove removes name, which is in the set.
func (x *nameIndex) remove(name string) {
	k := sortedName{model.FoldName(name), name}
	if i, ok := slices.BinarySearchFunc(x.added, k, compareSorted); ok {
		x.added = slices.Delete(x.added, i, i+1)
		return
	}
	x.removed[name] = struct{}{}
	x.settle()
}

// settle merges the changes into a new base once they are many.
func (x *nameIndex) settle() {
	if len(x.added)+len(x.removed) <= max(64, len(x.base)/8) {
		return
	}
	merged := make([]sortedName, 0, len(x.base)+len(x.added)-len(x.removed))
	x.walk(sortedName{}, false, func(k sortedName) bool { merged = append(merged, k); return true })
	x.base, x.added = merged, nil
	clear(x.removed)
}

// walk calls yield with each name after from (from the first if !after),
// in order, until it returns false.
func (x *nameIndex) walk(from sortedName, after bool, yield func(sortedName) bool) {
	i, j := x.start(x.base, from, after), x.start(x.added, from, after)
	for i < len(x.base) || j < len(x.added) {
		var k sortedName
		if j == len(x.added) || (i < len(x.base) && compareSorted(x.base[i], x.added[j]) < 0) {
			k = x.base[i]
			i++
			if _, gone := x.removed[k.name]; gone {
				continue
			}
		} else {
			k = x.added[j]
			j++
		}
		if !yield(k) {
			return
		}
	}
}

// start is the index in s of the first key after from (at or after it
// unless after).
func (x *nameIndex) start(s []sortedName, from sortedName, after bool) int {
	i, found := slices.BinarySearchFunc(s, from, compareSorted)
	if found && after {
		i++
	}
	return i
}

// page returns at most limit names after cursor ("": from the first)
// whose fold starts with prefix (folded already), and whether more
// follow.
func (x *nameIndex) page(cursor, prefix string, limit int) (names []string, more bool) {
	from, after := sortedName{fold: prefix}, false
	if cursor != "" {
		if c := (sortedName{model.FoldName(cursor), cursor}); compareSorted(c, from) >= 0 {
			from, after = c, true
		}
	}
	x.walk(from, after, func(k sortedName) bool {
		if !strings.HasPrefix(k.fold, prefix) {
			return false
		}
		if len(names) == limit {
			more = true
			return false
		}
		names = append(names, k.name)
		return true
	})
	return names, more
}

// len is how many names the set has.
func (x *nameIndex) len() int { return len(x.base) + len(x.added) - len(x.removed) }
