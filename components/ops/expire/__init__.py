"""``mcp-access expire``: end what has expired (members past ``expires``, elevations past ``until``) now, on the
break-glass path of ``revoke`` (one request per member, no engine run). The live guard calls :func:`expire_stack`.
"""
