"""The floor: the benchmark MLP's forward and backward written by hand in plain Python.

No graph and no object per op — lists of floats and the chain rule unrolled by hand. No
pure-Python scalar engine can beat it, so each engine's time divided by this one says how
much its graph bookkeeping costs. It is also the reference every engine's loss and
gradients are checked against.
"""

from __future__ import annotations


def forward(layers, xs, ys, alpha):
    """Loss = Σ max(0, 1 − y·score) + alpha·Σ p², and what backward() needs.

    layers: per layer a pair (W, B) of weight rows and biases (ReLU hidden, linear output).
    """
    last = len(layers) - 1
    tape = []  # per point: each layer's input, each layer's output, ∂L/∂score
    data_loss = 0.0
    for x, y in zip(xs, ys):
        ins, outs, h = [], [], x
        for i, (W, B) in enumerate(layers):
            ins.append(h)
            z = []
            for w, b in zip(W, B):
                s = b
                for wk, hk in zip(w, h):
                    s += wk * hk
                z.append(s)
            h = z if i == last else [v if v > 0.0 else 0.0 for v in z]
            outs.append(h)
        margin = 1.0 + h[0] * -y
        if margin > 0.0:
            data_loss += margin
        tape.append((ins, outs, -y if margin > 0.0 else 0.0))
    reg = 0.0
    for W, B in layers:
        for w, b in zip(W, B):
            for wk in w:
                reg += wk * wk
            reg += b * b
    return data_loss + alpha * reg, tape


def backward(layers, tape, alpha):
    """∂L/∂p for every weight and bias, in the order layer, neuron, weights then bias."""
    last = len(layers) - 1
    grads = [([[2.0 * alpha * wk for wk in w] for w in W], [2.0 * alpha * b for b in B]) for W, B in layers]
    for ins, outs, dscore in tape:
        g_out = [dscore]  # ∂L/∂(this layer's output)
        for i in range(last, -1, -1):
            (W, _), (GW, GB), h = layers[i], grads[i], ins[i]
            if i != last:  # through the ReLU: its derivative is 1 where the output is positive
                g_out = [g if o > 0.0 else 0.0 for g, o in zip(g_out, outs[i])]
            g_in = [0.0] * len(h)
            for j, g in enumerate(g_out):
                if g == 0.0:
                    continue
                GB[j] += g
                w, gw = W[j], GW[j]
                for k, hk in enumerate(h):
                    gw[k] += g * hk
                    g_in[k] += g * w[k]
            g_out = g_in
    return [g for GW, GB in grads for gw, gb in zip(GW, GB) for g in (*gw, gb)]


def loss_and_grads(weights, xs, ys, alpha):
    """The reference answer for weights as the workloads give them: [[[w..., b] per neuron] per layer]."""
    layers = as_layers(weights)
    loss, tape = forward(layers, xs, ys, alpha)
    return loss, backward(layers, tape, alpha)


def as_layers(weights):
    return [([wb[:-1] for wb in layer], [wb[-1] for wb in layer]) for layer in weights]
