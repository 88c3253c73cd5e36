"""Funnel Rocket's Lambda fan-out, as its invoker does it (aws_lambda_invoker.py): boto3's
Lambda client, InvocationType='Event', a ThreadPoolExecutor of 20 threads (its default
FROCKET_INVOKER_LAMBDA_THREADS). Prints {"invocations", "min_s", "median_s"}.
Usage: python3 boto3_fanout.py ENDPOINT N REPEATS"""
import concurrent.futures
import json
import statistics
import sys
import time

import boto3
from botocore.config import Config

endpoint, n, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = boto3.client('lambda', endpoint_url=endpoint, region_name='us-east-1',
                      aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret',
                      config=Config(max_pool_connections=50, retries={'max_attempts': 3}))
payloads = [json.dumps({'kind': 'query', 'taskIndex': i, 'padding': 'x' * 1400}) for i in range(n)]


def invoke(payload):
    r = client.invoke(FunctionName='frocket', InvocationType='Event', Payload=payload)
    assert r['StatusCode'] == 202, r


seconds = []
for _ in range(repeats):
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(invoke, payloads))
    seconds.append(time.monotonic() - start)
print(json.dumps({'invocations': n, 'min_s': min(seconds), 'median_s': statistics.median(seconds)}))
