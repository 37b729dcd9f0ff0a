#!/usr/bin/env python3
"""Writes an rpm ndb package database (Packages.db) from header blobs.

Usage: gen_ndb.py BLOBDIR OUT   (BLOBDIR holds one file per header number)

Layout as rpm's lib/backend/ndb/rpmpkg.c writes it (little-endian):
32-byte header (magic "RpmP", version 0, generation, slot pages, next
package index), 16-byte slots ("Slot", pkgidx, blkoff, blkcnt; blkoff 0 =
free) filling the slot pages, then blobs on 16-byte blocks: head ("BlbS",
pkgidx, timestamp, length), the header blob, zero padding, tail (adler32
of head+blob+padding, length, "BlbE"). One package is added and deleted
again, as rpm does (slot zeroed, blob area zeroed), to leave a free slot
and a hole.
"""
import os
import struct
import sys
import zlib

PAGE = 4096
BLK = 16
SLOT = 16
HEAD = 32

blobdir, out = sys.argv[1:]
nums = sorted(int(n) for n in os.listdir(blobdir))
blobs = [(n, open(os.path.join(blobdir, str(n)), "rb").read()) for n in nums]
tstamp = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))

npages = 1
data = bytearray(PAGE * npages)
for off in range(HEAD, PAGE * npages, SLOT):
    struct.pack_into("<4sIII", data, off, b"Slot", 0, 0, 0)


def put(pkgidx, blob):
    blkoff = len(data) // BLK
    blkcnt = (16 + len(blob) + 12 + BLK - 1) // BLK
    area = bytearray(blkcnt * BLK)
    struct.pack_into("<4sIII", area, 0, b"BlbS", pkgidx, tstamp, len(blob))
    area[16:16 + len(blob)] = blob
    adl = zlib.adler32(bytes(area[:-12]))
    struct.pack_into("<III", area, len(area) - 12, adl, len(blob), int.from_bytes(b"BlbE", "little"))
    data.extend(area)
    return blkoff, blkcnt


slot = HEAD // SLOT
deleted = max(nums) + 1
order = blobs[:2] + [(deleted, blobs[0][1])] + blobs[2:]
for pkgidx, blob in order:
    blkoff, blkcnt = put(pkgidx, blob)
    struct.pack_into("<4sIII", data, slot * SLOT, b"Slot", pkgidx, blkoff, blkcnt)
    if pkgidx == deleted:
        # rpmpkgDel: zero the slot and the blob's blocks
        struct.pack_into("<4sIII", data, slot * SLOT, b"Slot", 0, 0, 0)
        data[blkoff * BLK:(blkoff + blkcnt) * BLK] = bytes(blkcnt * BLK)
    slot += 1

generation = len(order) * 2
struct.pack_into("<4sIIII", data, 0, b"RpmP", 0, generation, npages, deleted + 1)
open(out, "wb").write(bytes(data))
