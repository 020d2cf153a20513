package org.micronet.ingest.source;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Class ids (wnids) in index order with their display names. */
public final class ClassIndex implements Serializable {
    private final List<String> ids;
    private final List<String> names;
    private final Map<String, Integer> indexById = new HashMap<>();

    private ClassIndex(List<String> ids, List<String> names) {
        this.ids = List.copyOf(ids);
        this.names = List.copyOf(names);
        for (int i = 0; i < ids.size(); i++) {
            if (indexById.put(ids.get(i), i) != null) {
                throw new IllegalArgumentException("class id '" + ids.get(i) + "' appears twice in the class index");
            }
        }
    }

    /** The field's convention: index = position in the lexicographic order of the wnids. */
    public static ClassIndex sorted(Collection<String> ids, Map<String, String> names) {
        return ordered(new ArrayList<>(new TreeSet<>(ids)), names);
    }

    /** An index in a given order (a classes.tsv written by a previous ingest). */
    public static ClassIndex ordered(List<String> ids, Map<String, String> names) {
        List<String> n = new ArrayList<>();
        for (String id : ids) {
            n.add(names.getOrDefault(id, id));
        }
        return new ClassIndex(ids, n);
    }

    /** @return the index, or -1 when the id is not a class */
    public int indexOf(String id) {
        return indexById.getOrDefault(id, -1);
    }

    /** Finds a class by id or, failing that, by display name; -1 when neither matches. */
    public int indexOfIdOrName(String label) {
        int i = indexOf(label);
        return i >= 0 ? i : names.indexOf(label);
    }

    public String id(int index) {
        return ids.get(index);
    }

    public String name(int index) {
        return names.get(index);
    }

    public int size() {
        return ids.size();
    }

    public List<String> ids() {
        return ids;
    }
}
