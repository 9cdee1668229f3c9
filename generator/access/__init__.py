"""Offline evaluation of AWS access for a rendered deployment (`xgen verify`, `xgen simulate`).

`evaluate.authorize` is the pure core: AWS's policy evaluation logic over parsed
documents (`policy.document`), returning a decision and the statements that decided it.
The rest reads a rendered folder and asks it the questions of the deployment.
"""
