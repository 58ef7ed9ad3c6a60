#!/usr/bin/env python3
"""Measures how often off-the-shelf OCR (Tesseract) solves our captchas.

Collects N captchas with their answers through captcha_sampler (by default from
a running server in reveal mode, so exactly what the portal receives), with the
same codes drawn plainly as the control, runs `tesseract --psm 7` restricted to
the captcha alphabet on every image, and prints the solve rates. Standard
library only; needs Debian's tesseract-ocr. See README.md beside this file.
"""

import argparse
import concurrent.futures
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

# Keep in step with kCaptchaAlphabet in service/captcha/captcha_service.h.
ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"
REPO = pathlib.Path(__file__).resolve().parents[2]


def find_sampler(given):
    if given:
        return pathlib.Path(given)
    for build in sorted(REPO.glob("build*")):
        for candidate in (build / "tools" / "ocr" / "captcha_sampler", build / "captcha_sampler"):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    sys.exit("ocr_attack: captcha_sampler not found; build it (ninja -C BUILD captcha_sampler) "
             "or pass --sampler")


def read_text(png, whitelist, psm):
    result = subprocess.run(
        ["tesseract", str(png), "stdout", "--psm", str(psm),
         "-c", f"tessedit_char_whitelist={whitelist}"],
        capture_output=True, text=True, check=False)
    return "".join(result.stdout.split()).upper()


def measure(folder, answers, whitelist, psm, jobs):
    names = sorted(answers)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        guesses = dict(zip(names, pool.map(
            lambda name: read_text(folder / f"{name}.png", whitelist, psm), names)))
    solved = sum(1 for name in names if guesses[name] == answers[name])
    characters = sum(len(answers[name]) for name in names)
    right = sum(
        sum(1 for a, b in zip(guesses[name], answers[name]) if a == b) for name in names)
    return solved, right / characters if characters else 0.0, guesses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="captchas to collect (500)")
    parser.add_argument("--target", default="127.0.0.1:50051",
                        help="server in reveal mode (127.0.0.1:50051)")
    parser.add_argument("--local", action="store_true",
                        help="draw in-process instead of calling the server")
    parser.add_argument("--sampler", help="path to captcha_sampler (default: found in build*/)")
    parser.add_argument("--out", help="keep the images here (default: a temporary directory)")
    parser.add_argument("--psm", type=int, default=7, help="tesseract page segmentation mode (7)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="tesseract processes at once")
    parser.add_argument("--show", type=int, default=10, help="list this many misreadings")
    args = parser.parse_args()

    if shutil.which("tesseract") is None:
        sys.exit("ocr_attack: tesseract not found; apt-get install tesseract-ocr")
    sampler = find_sampler(args.sampler)
    out = pathlib.Path(args.out) if args.out else pathlib.Path(tempfile.mkdtemp(prefix="ocr-"))
    command = [str(sampler), "--out", str(out), "--count", str(args.count), "--plain"]
    command += ["--local"] if args.local else ["--target", args.target]
    if subprocess.run(command, check=False).returncode != 0:
        sys.exit("ocr_attack: captcha_sampler failed")

    answers = {}
    for line in (out / "answers.txt").read_text().splitlines():
        name, answer = line.split()
        answers[name] = answer.upper()
    count = len(answers)

    print(f"source: {'in-process renderer' if args.local else args.target}; "
          f"tesseract --psm {args.psm}, whitelist {ALPHABET}; images in {out}")
    for label, folder in (("distorted", out / "distorted"), ("plain control", out / "plain")):
        solved, per_char, guesses = measure(folder, answers, ALPHABET, args.psm, args.jobs)
        print(f"{label}: {solved}/{count} solved ({100.0 * solved / count:.1f} %), "
              f"characters right in place {100.0 * per_char:.1f} %")
        if label == "distorted" and args.show:
            wrong = [name for name in sorted(answers) if guesses[name] != answers[name]]
            for name in wrong[:args.show]:
                print(f"  {name}: answer {answers[name]}, read {guesses[name] or '(nothing)'}")
    if not args.out:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
