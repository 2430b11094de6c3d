"""The backward pass, one chain-rule step at a time: names for the nodes of a graph."""

from __future__ import annotations

from .engine import Value, topological_order

__all__ = ["node_names"]


def node_names(root: Value) -> dict[Value, str]:
    """A short, stable name for every node of root's graph, shared by pictures and derivations.

    A node's label when it has one; an unlabelled root is "L" (the loss); a constant is its number;
    every other node is v1, v2, ... in the order the forward pass computed them. The same graph
    always gets the same names.
    """
    order = topological_order(root)[::-1]  # inputs first: the order the forward pass made them
    taken = {node.label for node in order if node.label}
    names: dict[Value, str] = {}
    count = 0
    for node in order:
        if node.label:
            name = node.label
        elif node is root and "L" not in taken:
            name = "L"
        elif node.is_constant:
            name = f"{node.data:g}"
        else:
            count += 1
            while f"v{count}" in taken:
                count += 1
            name = f"v{count}"
        names[node] = name
    return names
