#!/usr/bin/python3
"""A trained attacker on the image captcha: a small CNN with a CTC head.

It plays the attacker who runs the open-source generator with secrets of his
own choosing to make labelled images, trains on them, and is then measured on
the images of a deployment whose secret he never saw (see tools/ocr/README.md,
"Image attacker").

  cnn_attack.py data  --out DIR --count N [--secret HEX | --random-secrets K]
                      [--held-out N]       (writes DIR/images, DIR/held-out)
  cnn_attack.py train --data DIR... --model FILE [--minutes M]
  cnn_attack.py eval  --data DIR... --model FILE

`data` runs captcha_sampler --local (the project's renderer, in-process), one
sub-directory per secret. Needs Debian's python3-torch, python3-numpy and
python3-pil; not part of CI.
"""

import argparse
import glob
import os
import secrets
import subprocess
import sys
import time

# Must stay equal to kCaptchaAlphabet in service/captcha/captcha_service.h.
ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"
# The network sees the image at half size, grey: enough to read, four times
# cheaper to train.
HEIGHT, WIDTH = 35, 100


def find_sampler(explicit):
    if explicit:
        return explicit
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = sorted(glob.glob(os.path.join(root, "build*", "tools", "ocr", "captcha_sampler")))
    if not found:
        sys.exit("cnn_attack: no captcha_sampler built (ninja -C build-release captcha_sampler)")
    return found[0]


def cmd_data(args):
    sampler = find_sampler(args.sampler)
    if args.random_secrets:
        chosen = [secrets.token_hex(32) for _ in range(args.random_secrets)]
    elif args.secret:
        chosen = [args.secret]
    else:
        chosen = [None]  # the public style: no secret at all
    per_secret = max(1, args.count // len(chosen))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "secrets.txt"), "w") as f:
        f.writelines(f"s{i:03d} {secret or 'public style'}\n" for i, secret in enumerate(chosen))
    for i, secret in enumerate(chosen):
        # --held-out: more images of the same secret, apart, for the control.
        for part, count in (("images", per_secret), ("held-out", args.held_out)):
            if count == 0:
                continue
            out = os.path.join(args.out, part, f"s{i:03d}")
            command = [sampler, "--local", "--out", out, "--count", str(count)]
            if secret:
                command += ["--secret", secret]
            if args.font:
                command += ["--font", args.font]
            result = subprocess.run(command, check=True, capture_output=True, text=True)
            style = next((l for l in result.stdout.splitlines() if l.startswith("style:")),
                         "public style")
            print(f"{out}: {count} images, {style}")


def load(dirs):
    """Every sampler output under `dirs`: (images uint8 N×H×W, codes)."""
    import numpy as np
    from PIL import Image

    answer_files = []
    for d in dirs:
        answer_files += sorted(glob.glob(os.path.join(d, "**", "answers.txt"), recursive=True))
    if not answer_files:
        sys.exit(f"cnn_attack: no answers.txt under {' '.join(dirs)}")
    images, codes = [], []
    for answers in answer_files:
        base = os.path.dirname(answers)
        with open(answers) as f:
            for line in f:
                name, code = line.split()
                with Image.open(os.path.join(base, "distorted", name + ".png")) as image:
                    grey = image.convert("L").resize((WIDTH, HEIGHT), Image.BOX)
                images.append(np.asarray(grey, dtype=np.uint8))
                codes.append(code)
    return np.stack(images), codes


def build_model(torch):
    nn = torch.nn

    def block(cin, cout, pool):
        return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(pool)]

    class Reader(nn.Module):
        # 4 conv layers, then one column of the feature map per time step, each
        # scored over the alphabet plus CTC's blank.
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*block(1, 32, 2), *block(32, 64, 2), *block(64, 128, (2, 1)),
                                          *block(128, 128, (2, 1)))
            self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(128 * 2, 256), nn.ReLU(),
                                      nn.Linear(256, len(ALPHABET) + 1))

        def forward(self, x):  # x: N×1×H×W in [0, 1], ink bright
            f = self.features(x)  # N×128×2×25
            n, c, h, w = f.shape
            f = f.permute(3, 0, 1, 2).reshape(w, n, c * h)
            return self.head(f).log_softmax(2)  # T×N×classes

    return Reader()


def to_tensor(torch, images):
    return 1.0 - torch.from_numpy(images).float().unsqueeze(1) / 255.0


def decode(log_probs):
    best = log_probs.argmax(2).t().tolist()  # N×T
    out = []
    for row in best:
        text, previous = [], 0
        for k in row:
            if k != previous and k != 0:
                text.append(ALPHABET[k - 1])
            previous = k
        out.append("".join(text))
    return out


def score(torch, model, images, codes, batch=256):
    model.eval()
    guesses = []
    with torch.no_grad():
        for i in range(0, len(codes), batch):
            guesses += decode(model(to_tensor(torch, images[i:i + batch])))
    solved = sum(g == c for g, c in zip(guesses, codes))
    right = sum(sum(a == b for a, b in zip(g, c)) for g, c in zip(guesses, codes))
    total = sum(len(c) for c in codes)
    return solved / len(codes), right / total, guesses


def cmd_train(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, codes = load(args.data)
    print(f"{len(codes)} training images from {' '.join(args.data)}", flush=True)
    targets = torch.tensor([ALPHABET.index(ch) + 1 for c in codes for ch in c])
    lengths = torch.tensor([len(c) for c in codes])
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])
    model = build_model(torch)
    if args.init:
        model.load_state_dict(torch.load(args.init))
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    start = time.monotonic()
    cpu_start = time.process_time()
    budget = args.minutes * 60
    seen, epoch = 0, 0
    while time.monotonic() - start < budget:
        epoch += 1
        order = torch.randperm(len(codes))
        model.train()
        for i in range(0, len(codes), args.batch):
            elapsed = time.monotonic() - start
            if elapsed >= budget:
                break
            # Full rate, then a tenth for the last quarter of the budget.
            for group in optimiser.param_groups:
                group["lr"] = args.lr * (0.1 if elapsed > 0.75 * budget else 1.0)
            index = order[i:i + args.batch]
            x = to_tensor(torch, images[index.numpy()])
            y = torch.cat([targets[offsets[j]:offsets[j + 1]] for j in index.tolist()])
            out = model(x)
            loss = ctc(out, y, torch.full((len(index),), out.shape[0], dtype=torch.long), lengths[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            seen += len(index)
            if seen % (args.batch * 300) == 0:
                print(f"  {seen} images seen, loss {loss.item():.3f}, "
                      f"{(time.monotonic() - start) / 60:.1f} min", flush=True)
        print(f"epoch {epoch}: {seen} images seen, loss {loss.item():.3f}, "
              f"{(time.monotonic() - start) / 60:.1f} min", flush=True)
    torch.save(model.state_dict(), args.model)
    print(f"trained {(time.monotonic() - start) / 60:.1f} min ({(time.process_time() - cpu_start) / 60:.1f} "
          f"min of CPU) on {len(codes)} images ({seen} passes), saved to {args.model}")


def cmd_eval(args):
    import torch

    torch.set_num_threads(args.threads)
    model = build_model(torch)
    model.load_state_dict(torch.load(args.model))
    images, codes = load(args.data)
    solved, chars, guesses = score(torch, model, images, codes)
    print(f"{' '.join(args.data)}: {round(solved * len(codes))}/{len(codes)} solved "
          f"({100 * solved:.1f} %), characters right in place {100 * chars:.1f} %")
    wrong = [(c, g) for c, g in zip(codes, guesses) if c != g][:args.show]
    if wrong:
        print("misread: " + ", ".join(f"{c}->{g or '-'}" for c, g in wrong))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="draw labelled images with captcha_sampler --local")
    data.add_argument("--out", required=True)
    data.add_argument("--count", type=int, default=30000, help="images in all")
    data.add_argument("--secret", help="master secret (hex) to draw as; default the public style")
    data.add_argument("--random-secrets", type=int, default=0,
                      help="spread the images over K fresh random secrets")
    data.add_argument("--font", help="TrueType file to draw with instead of the style's face")
    data.add_argument("--held-out", type=int, default=0,
                      help="also N images per secret in OUT/held-out (not for training)")
    data.add_argument("--sampler")
    data.set_defaults(run=cmd_data)
    for name, run in (("train", cmd_train), ("eval", cmd_eval)):
        p = sub.add_parser(name)
        p.add_argument("--data", nargs="+", required=True, help="directories made by `data`")
        p.add_argument("--model", required=True, help="weights file (.pt)")
        p.add_argument("--threads", type=int, default=1)
        p.set_defaults(run=run)
        if name == "train":
            p.add_argument("--minutes", type=float, default=25)
            p.add_argument("--batch", type=int, default=64)
            p.add_argument("--lr", type=float, default=2e-3)
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--init", help="weights to start from (to train on)")
        else:
            p.add_argument("--show", type=int, default=10, help="misreadings listed")
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
