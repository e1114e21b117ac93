#!/usr/bin/env python3
"""Writes assets/thumbnail.jpg: a mid-grey 160x90 baseline JPEG, assembled by hand (no image
library needed). Every 8x8 block has a DC difference of 0 and no AC coefficients, so the scan is
two one-bit Huffman codes per block: DC category 0 and end-of-block."""
import struct, sys

W, H = 160, 90
def seg(marker, payload): return b'\xff' + bytes([marker]) + struct.pack('>H', len(payload) + 2) + payload
out = b'\xff\xd8'
out += seg(0xe0, b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00')
out += seg(0xdb, b'\x00' + bytes([1] * 64))                       # quantization table 0: all 1
out += seg(0xc0, b'\x08' + struct.pack('>HH', H, W) + b'\x01' + b'\x01\x11\x00')  # 1 component
def dht(cls_id, symbol):
    counts = [1] + [0] * 15                                       # one code of length 1: "0"
    return seg(0xc4, bytes([cls_id]) + bytes(counts) + bytes([symbol]))
out += dht(0x00, 0x00)                                            # DC table 0: category 0
out += dht(0x10, 0x00)                                            # AC table 0: end of block
out += seg(0xda, b'\x01' + b'\x01\x00' + b'\x00\x3f\x00')
blocks = ((W + 7) // 8) * ((H + 7) // 8)
bits = '00' * blocks
bits += '1' * (-len(bits) % 8)
out += bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
out += b'\xff\xd9'
open(sys.argv[1] if len(sys.argv) > 1 else 'assets/thumbnail.jpg', 'wb').write(out)
