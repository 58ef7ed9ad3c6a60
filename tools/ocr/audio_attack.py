#!/usr/bin/python3
"""Measures how often a template matcher solves our audio captchas.

The attacker knows the source: it records its own bank of the digit words with
espeak-ng (through libespeak-ng, as the service does), in the service's default
voices, pitches and rate. It then spots every template in each captcha WAV
(cepstra after per-band noise subtraction; stretched linearly or by dynamic
time warping), keeps the best non-overlapping matches after the prompt, and
prints the share of codes solved and of digits right.

The WAVs come from captcha_sampler --audio (by default through a running server
in reveal mode, so exactly what the portal receives). Needs Debian's
python3-numpy and libespeak-ng1. See README.md beside this file.
"""

import argparse
import ctypes
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
RATE = 16000  # EspeakCaptchaAudio::kSampleRate
# As service/captcha/espeak_captcha_audio.cc says them.
DIGIT_WORDS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
PROMPT = "Mã xác nhận là"
VOICES = ["vi", "vi+f2", "vi+m3", "vi+f4", "vi+m7", "vi+f5"]

# libespeak-ng's constants (speak_lib.h).
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
PARAM_RATE, PARAM_PITCH, PARAM_RANGE = 1, 3, 4
POS_CHARACTER = 1
CHARS_UTF8 = 1


class Espeak:
    """libespeak-ng through ctypes: one engine, synchronous, samples collected."""

    CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                ctypes.c_void_p)

    def __init__(self):
        self.lib = ctypes.CDLL("libespeak-ng.so.1")
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None,
                                               INITIALIZE_DONT_EXIT)
        if self.rate <= 0:
            sys.exit("audio_attack: cannot start espeak-ng (install libespeak-ng1, espeak-ng-data)")
        self.samples = []

        def collect(wav, count, _events):
            if wav and count > 0:
                self.samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
            return 0

        self.callback = self.CALLBACK(collect)  # kept alive with the object
        self.lib.espeak_SetSynthCallback(self.callback)
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                          ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                          ctypes.c_void_p, ctypes.c_void_p]

    def say(self, voice, text, pitch, words_per_minute, pitch_range=None):
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            sys.exit(f"audio_attack: espeak-ng has no voice {voice}")
        self.lib.espeak_SetParameter(PARAM_RATE, words_per_minute, 0)
        self.lib.espeak_SetParameter(PARAM_PITCH, pitch, 0)
        if pitch_range is not None:
            self.lib.espeak_SetParameter(PARAM_RANGE, pitch_range, 0)
        self.samples = []
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        audio = np.concatenate(self.samples).astype(np.float64) / 32768.0
        return resample(trim(audio), self.rate, RATE)


def trim(audio):
    loud = np.nonzero(np.abs(audio) > np.abs(audio).max() * 0.02)[0]
    return audio[loud[0]:loud[-1] + 1] if len(loud) else audio


def resample(audio, source, target):
    if source == target:
        return audio
    # Low-pass by a windowed sinc before linear interpolation, as the service.
    cutoff = 0.45 * target / source
    taps = np.arange(-16, 17)
    kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
    audio = np.convolve(audio, kernel / kernel.sum(), mode="same")
    positions = np.arange(0, len(audio) - 1, source / target)
    return np.interp(positions, np.arange(len(audio)), audio)


def mel_filters(bands, frame, rate):
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    def hertz(m):
        return 700 * (10 ** (m / 2595) - 1)

    edges = hertz(np.linspace(mel(100), mel(rate / 2 * 0.95), bands + 2))
    bins = np.fft.rfftfreq(frame, 1 / rate)
    filters = np.zeros((bands, len(bins)))
    for b in range(bands):
        low, centre, high = edges[b], edges[b + 1], edges[b + 2]
        filters[b] = np.clip(np.minimum((bins - low) / (centre - low),
                                        (high - bins) / (high - centre)), 0, None)
    return filters


FRAME, HOP = 400, 160  # 25 ms windows every 10 ms
FILTERS = mel_filters(26, FRAME, RATE)
DCT = np.cos(np.pi / 26 * (np.arange(26)[None, :] + 0.5) * np.arange(1, 14)[:, None])


def frames(audio):
    if len(audio) < FRAME:
        audio = np.pad(audio, (0, FRAME - len(audio)))
    count = 1 + (len(audio) - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    return audio[index] * np.hamming(FRAME)


def mel_power(audio):
    spectrum = np.abs(np.fft.rfft(frames(audio), axis=1)) ** 2
    return spectrum @ FILTERS.T


def cepstra(power):
    # Without c0: loudness is not what tells the words apart.
    return np.log(power + 1e-10) @ DCT.T


def spot(utterance, template):
    """Subsequence DTW of `template` (frames x 13) anywhere in `utterance`:
    for every end frame, the normalised cost and the start frame. Steps (1,1),
    (1,2) and (2,1): the word may be half to twice as fast as the template."""
    cost = np.sqrt(((template[:, None, :] - utterance[None, :, :]) ** 2).sum(axis=2))
    rows, columns = cost.shape
    total = np.full((rows, columns), np.inf)
    start = np.zeros((rows, columns), dtype=int)
    total[0] = cost[0]
    start[0] = np.arange(columns)
    for i in range(1, rows):
        options = [np.full(columns, np.inf)] * 3
        starts = [np.zeros(columns, dtype=int)] * 3
        options[0] = np.concatenate([[np.inf], total[i - 1, :-1]]) + cost[i]
        starts[0] = np.concatenate([[0], start[i - 1, :-1]])
        options[1] = np.concatenate([[np.inf, np.inf], total[i - 1, :-2]]) + cost[i]
        starts[1] = np.concatenate([[0, 0], start[i - 1, :-2]])
        if i >= 2:
            options[2] = np.concatenate([[np.inf], total[i - 2, :-1]]) + 2 * cost[i]
            starts[2] = np.concatenate([[0], start[i - 2, :-1]])
        choice = np.argmin(np.stack(options), axis=0)
        total[i] = np.choose(choice, options)
        start[i] = np.choose(choice, starts)
    return total[-1] / rows, start[-1]


GAP = 20  # frames: the least pause between words, with some slack
SCALES = np.linspace(0.85, 1.15, 11)


def spot_linear(utterance, template):
    """`template` stretched linearly by each of SCALES and slid along
    `utterance`: for every end frame, the mean cost and the start frame. Fits
    a recording played faster or slower, as the service did before it
    synthesised every word anew."""
    columns = len(utterance)
    best = np.full(columns, np.inf)
    best_start = np.zeros(columns, dtype=int)
    for scale in SCALES:
        rows = max(2, int(round(len(template) * scale)))
        if rows >= columns:
            continue
        source = np.linspace(0, len(template) - 1, rows)
        stretched = np.array([np.interp(source, np.arange(len(template)), template[:, d])
                              for d in range(template.shape[1])]).T
        windows = np.lib.stride_tricks.sliding_window_view(utterance, rows, axis=0)
        # windows: (columns - rows + 1, dims, rows)
        costs = np.sqrt(((windows - stretched.T[None]) ** 2).sum(axis=1)).mean(axis=1)
        ends = np.arange(len(costs)) + rows - 1
        better = costs < best[ends]
        best[ends[better]] = costs[better]
        best_start[ends[better]] = ends[better] - rows + 1
    return best, best_start


def read_wav(path):
    with wave.open(str(path)) as wav:
        if wav.getframerate() != RATE or wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            sys.exit(f"audio_attack: {path} is not 16 kHz 16-bit mono")
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return data.astype(np.float64) / 32768.0


def build_bank(pitches, rates):
    """Mel power spectra of the prompt and of every digit word, per voice,
    pitch and rate."""
    engine = Espeak()
    bank, labels = [], []
    for voice in VOICES:
        for pitch in pitches:
            for rate in rates:
                bank.append(mel_power(engine.say(voice, PROMPT, pitch, rate)))
                labels.append(-1)
                for digit, word in enumerate(DIGIT_WORDS):
                    bank.append(mel_power(engine.say(voice, word, pitch, rate)))
                    labels.append(digit)
    return bank, np.array(labels)


def solve(audio, length, bank, labels, align):
    power = mel_power(audio)
    # The noise swells and fades: follow it per band with a running minimum
    # of the smoothed power (0.5 s either side), subtract it, and give the
    # captcha and the templates the same floor.
    smooth = np.apply_along_axis(lambda band: np.convolve(band, np.ones(5) / 5, "same"), 0, power)
    reach = 50
    padded = np.pad(smooth, ((reach, reach), (0, 0)), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1, axis=0)
    noise = windows.min(axis=2) * 2.0
    floor = noise.mean(axis=0) * 0.5
    cleaned = np.maximum(power - noise, 0) + floor
    loudness = cleaned.sum(axis=1)
    speech_level = np.percentile(loudness, 90)
    utterance = cepstra(cleaned)
    detections = []  # (cost, label, start, end)
    prompt_end = 0
    prompt_cost = np.inf
    for template, label in zip(bank, labels):
        scaled = template * (speech_level / np.percentile(template.sum(axis=1), 90))
        costs, starts = align(utterance, cepstra(scaled + floor))
        if label < 0:
            end = int(np.argmin(costs[:len(costs) // 2]))
            if costs[end] < prompt_cost:
                prompt_cost, prompt_end = costs[end], end
            continue
        for end in range(len(costs)):
            window = costs[max(0, end - 3):end + 4]
            if np.isfinite(costs[end]) and costs[end] == window.min():
                detections.append((costs[end], label, starts[end], end))
    chosen = []
    for cost, label, begin, end in sorted(detections):
        # The code's words are the loud ones: a match on murmur or noise
        # well below them is not a word of the code.
        if begin < prompt_end - 3 or loudness[begin:end + 1].mean() < speech_level * 0.1:
            continue
        # The service leaves at least 0.25 s between words.
        if all(end + GAP <= b or begin >= e + GAP for _, b, e in chosen):
            chosen.append((label, begin, end))
            if len(chosen) == length:
                break
    if os.environ.get("AUDIO_ATTACK_DEBUG"):
        print(prompt_end, sorted(chosen, key=lambda c: c[1]), file=sys.stderr)
    return "".join(str(label) for label, _, _ in sorted(chosen, key=lambda c: c[1]))


def find_sampler(given):
    if given:
        return pathlib.Path(given)
    for build in sorted(REPO.glob("build*")):
        candidate = build / "tools" / "ocr" / "captcha_sampler"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("audio_attack: captcha_sampler not found; build it or pass --sampler")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="captchas to collect (200)")
    parser.add_argument("--target", default="127.0.0.1:50051",
                        help="server in reveal mode (127.0.0.1:50051)")
    parser.add_argument("--local", action="store_true",
                        help="render in-process (captcha_sampler --local) instead")
    parser.add_argument("--sampler", help="captcha_sampler binary")
    parser.add_argument("--samples", help="use WAVs already collected in this directory "
                        "(audio/NNNN.wav and answers.txt) instead of running the sampler")
    parser.add_argument("--out", help="keep the collected WAVs here")
    parser.add_argument("--pitches", default="38,62",
                        help="espeak-ng pitches of the bank (the service's: 38,62)")
    parser.add_argument("--rates", default="150",
                        help="espeak-ng words per minute of the bank (the service's: 150)")
    parser.add_argument("--align", choices=["dtw", "linear"], default="dtw",
                        help="how a template is fitted to a word: dynamic time warping, or "
                        "stretched linearly (a recording played at another speed) (dtw)")
    parser.add_argument("--show", type=int, default=5, help="misses listed (5)")
    args = parser.parse_args()

    temporary = None
    if args.samples:
        folder = pathlib.Path(args.samples)
    else:
        folder = pathlib.Path(args.out) if args.out else pathlib.Path(
            temporary := tempfile.mkdtemp(prefix="audio_attack."))
        command = [str(find_sampler(args.sampler)), "--out", str(folder), "--count",
                   str(args.count), "--audio"]
        command += ["--local"] if args.local else ["--target", args.target]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    try:
        answers = dict(line.split() for line in (folder / "answers.txt").read_text().splitlines())
        bank, labels = build_bank([int(p) for p in args.pitches.split(",")],
                                  [int(r) for r in args.rates.split(",")])
        solved = right = total = 0
        misses = []
        for name in sorted(answers):
            answer = answers[name]
            guess = solve(read_wav(folder / "audio" / f"{name}.wav"), len(answer), bank, labels,
                          spot if args.align == "dtw" else spot_linear)
            solved += guess == answer
            right += sum(a == b for a, b in zip(guess, answer))
            total += len(answer)
            if guess != answer:
                misses.append(f"{name}: {answer} heard as {guess}")
        source = args.samples or ("local" if args.local else args.target)
        print(f"source: {source}; bank: {len(bank)} templates ({len(VOICES)} voices, pitches "
              f"{args.pitches}, rates {args.rates}), cepstra, {args.align} alignment")
        print(f"audio: {solved}/{len(answers)} solved ({100 * solved / len(answers):.1f} %), "
              f"digits right in place {100 * right / max(total, 1):.1f} %")
        for miss in misses[:args.show]:
            print("  " + miss)
    finally:
        if temporary:
            shutil.rmtree(temporary)


if __name__ == "__main__":
    main()
