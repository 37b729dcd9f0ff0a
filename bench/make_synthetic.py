#!/usr/bin/env python3
"""Builds a large synthetic image (OCI layout, gzip layers) for benchmarks.

    bench/make_synthetic.py OUT_DIR [--base OCI_DIR] [--scale 1.0]

Layers (sizes at scale 1.0, uncompressed):
  0  the debian-base layer of ../shared/images (reused as is), when --base is given
  1  200,000 small text files (~0.6 GB)
  2  one 1 GiB incompressible file (os.urandom)
  3  a 50,000-file node_modules tree with package.json files (~0.2 GB)
  4  1,500 Python *.dist-info dirs with METADATA/RECORD, and modules (~0.3 GB)
  5  model weights: 2 GiB of float-like, partly compressible data
Deterministic file lists; random contents come from a seeded generator.
"""
import argparse, gzip, hashlib, io, json, os, random, shutil, subprocess, sys, tarfile, time

EPOCH = 1747699200


class HashWriter:
    """File-like that hashes what passes and forwards it to a pipe."""
    def __init__(self, out):
        self.out, self.h, self.n = out, hashlib.sha256(), 0
    def write(self, b):
        self.h.update(b); self.n += len(b); self.out.write(b); return len(b)
    def flush(self):
        self.out.flush()


def add_bytes(tf, path, data, mode=0o644):
    ti = tarfile.TarInfo(path); ti.size = len(data); ti.mtime = EPOCH; ti.mode = mode
    tf.addfile(ti, io.BytesIO(data))


def add_dir(tf, path):
    ti = tarfile.TarInfo(path); ti.type = tarfile.DIRTYPE; ti.mtime = EPOCH; ti.mode = 0o755
    tf.addfile(ti)


class Stream(io.RawIOBase):
    """A readable stream of n bytes from a generator of chunks."""
    def __init__(self, chunks):
        self.it, self.buf = chunks, b""
    def readable(self):
        return True
    def readinto(self, b):
        while not self.buf:
            try:
                self.buf = next(self.it)
            except StopIteration:
                return 0
        n = min(len(b), len(self.buf)); b[:n] = self.buf[:n]; self.buf = self.buf[n:]; return n


def add_stream(tf, path, size, chunks):
    ti = tarfile.TarInfo(path); ti.size = size; ti.mtime = EPOCH; ti.mode = 0o644
    tf.addfile(ti, io.BufferedReader(Stream(chunks), 1 << 20))


def write_layer(blobdir, fill, comment):
    tmp = os.path.join(blobdir, "tmp-layer")
    with open(tmp, "wb") as f:
        gz = subprocess.Popen(["gzip", "-1", "-n", "-c"], stdin=subprocess.PIPE, stdout=f)
        hw = HashWriter(gz.stdin)
        with tarfile.open(fileobj=hw, mode="w|", format=tarfile.PAX_FORMAT) as tf:
            fill(tf)
        gz.stdin.close(); gz.wait()
    digest = sha256_file(tmp)
    os.replace(tmp, os.path.join(blobdir, digest))
    return {"digest": "sha256:" + digest, "diff_id": "sha256:" + hw.h.hexdigest(),
            "size": os.path.getsize(os.path.join(blobdir, digest)), "uncompressed": hw.n,
            "created_by": comment}


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


WORDS = ("tensor model layer weight bias gradient batch epoch optimizer loss cuda "
         "kernel stream device float half precision token vocab embed attention").split()


def text(rng, n):
    out, size = [], 0
    while size < n:
        w = rng.choice(WORDS); out.append(w); size += len(w) + 1
    return (" ".join(out)[:n] + "\n").encode()


def small_files(scale):
    def fill(tf):
        rng = random.Random(1)
        n = int(200_000 * scale)
        add_dir(tf, "srv"); add_dir(tf, "srv/data")
        for d in range(n // 1000 + 1):
            add_dir(tf, f"srv/data/{d:04d}")
        for i in range(n):
            add_bytes(tf, f"srv/data/{i // 1000:04d}/item-{i:06d}.txt", text(rng, rng.randint(800, 5000)))
    return fill


def big_random(scale):
    def fill(tf):
        size = int((1 << 30) * scale)
        add_dir(tf, "opt"); add_dir(tf, "opt/blob")
        def chunks():
            left = size
            while left:
                k = min(left, 1 << 20); left -= k; yield os.urandom(k)
        add_stream(tf, "opt/blob/random.bin", size, chunks())
    return fill


def node_modules(scale):
    def fill(tf):
        rng = random.Random(3)
        add_dir(tf, "app"); add_dir(tf, "app/node_modules")
        n_pkgs = int(2_500 * scale)
        per = 20
        for p in range(n_pkgs):
            name = f"pkg-{p:05d}"
            base = f"app/node_modules/{name}"
            add_dir(tf, base); add_dir(tf, base + "/lib")
            pj = {"name": name, "version": f"{rng.randint(0,9)}.{rng.randint(0,30)}.{rng.randint(0,99)}",
                  "license": "MIT", "main": "lib/index.js"}
            add_bytes(tf, base + "/package.json", json.dumps(pj, indent=2).encode())
            for f in range(per - 1):
                add_bytes(tf, f"{base}/lib/f{f}.js", text(rng, rng.randint(500, 8000)))
    return fill


def dist_info(scale):
    def fill(tf):
        rng = random.Random(4)
        root = "usr/local/lib/python3.11/site-packages"
        parts = root.split("/")
        for i in range(1, len(parts) + 1):
            add_dir(tf, "/".join(parts[:i]))
        for p in range(int(1_500 * scale)):
            name = f"synth_pkg_{p:04d}"; ver = f"{rng.randint(0,5)}.{rng.randint(0,20)}.{rng.randint(0,9)}"
            di = f"{root}/{name}-{ver}.dist-info"
            add_dir(tf, di)
            add_bytes(tf, di + "/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\nLicense: MIT\n".encode())
            mods = [f"{root}/{name}/m{i}.py" for i in range(20)]
            add_bytes(tf, di + "/RECORD", "\n".join(f"{m[len(root)+1:]},," for m in mods).encode())
            add_dir(tf, f"{root}/{name}")
            for m in mods:
                add_bytes(tf, m, text(rng, rng.randint(2000, 16000)))
    return fill


def weights(scale):
    def fill(tf):
        size = int((2 << 30) * scale)
        add_dir(tf, "models")
        rng = random.Random(5)
        # float32-like data: random mantissas, few distinct exponents -> gzip ~1.3:1
        block = bytes(b for _ in range(1 << 18) for b in (rng.randrange(256), rng.randrange(256), rng.randrange(120, 128) , 0x3f))
        def chunks():
            left = size
            while left:
                k = min(left, len(block)); left -= k; yield block[:k]
        add_stream(tf, "models/weights.bin", size, chunks())
    return fill


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--base", help="OCI layout whose first layer becomes layer 0 (debian-base)")
    ap.add_argument("--scale", type=float, default=1.0)
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    blobdir = os.path.join(a.out, "blobs", "sha256")
    os.makedirs(blobdir)
    layers = []
    if a.base:
        idx = json.load(open(os.path.join(a.base, "index.json")))
        man = json.load(open(os.path.join(a.base, "blobs/sha256", idx["manifests"][0]["digest"][7:])))
        cfg = json.load(open(os.path.join(a.base, "blobs/sha256", man["config"]["digest"][7:])))
        l0 = man["layers"][0]
        shutil.copy(os.path.join(a.base, "blobs/sha256", l0["digest"][7:]), os.path.join(blobdir, l0["digest"][7:]))
        layers.append({"digest": l0["digest"], "diff_id": cfg["rootfs"]["diff_ids"][0], "size": l0["size"],
                       "uncompressed": None, "created_by": "debootstrap --variant=minbase bookworm /"})
    for fill, comment in [(small_files(a.scale), "COPY data/ /srv/data/ # 200k small files"),
                          (big_random(a.scale), "COPY random.bin /opt/blob/ # 1 GiB incompressible"),
                          (node_modules(a.scale), "RUN npm ci # 50k-file node_modules"),
                          (dist_info(a.scale), "RUN pip install -r requirements.txt # dist-info dirs"),
                          (weights(a.scale), "COPY weights.bin /models/ # 2 GiB weights")]:
        t = time.time()
        layers.append(write_layer(blobdir, fill, comment))
        print(f"layer {len(layers)-1}: {layers[-1]['size']:,} B gz, {layers[-1]['uncompressed'] or 0:,} B tar, {time.time()-t:.0f}s", file=sys.stderr)
    config = {"architecture": "amd64", "os": "linux", "created": "2025-05-20T00:00:00Z",
              "config": {"User": "1000", "Cmd": ["python3"], "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"]},
              "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
              "history": [{"created": "2025-05-20T00:00:00Z", "created_by": l["created_by"]} for l in layers]}
    cb = json.dumps(config).encode(); cd = hashlib.sha256(cb).hexdigest()
    open(os.path.join(blobdir, cd), "wb").write(cb)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cd, "size": len(cb)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": l["digest"], "size": l["size"]} for l in layers]}
    mb = json.dumps(manifest).encode(); md = hashlib.sha256(mb).hexdigest()
    open(os.path.join(blobdir, md), "wb").write(mb)
    json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
               "digest": "sha256:" + md, "size": len(mb), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
              open(os.path.join(a.out, "index.json"), "w"))
    open(os.path.join(a.out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
    print(json.dumps({"manifest": "sha256:" + md, "layers": len(layers),
                      "compressed": sum(l["size"] for l in layers)}), file=sys.stderr)


if __name__ == "__main__":
    main()
