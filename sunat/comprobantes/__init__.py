"""Whether a comprobante is valid, asked of SUNAT's official API ("Consulta Integrada de Comprobante de
Pago", OAuth2 client credentials): POST /api/comprobantes/validar.

- declaration.py: what is asked (Question), how SUNAT's answer is read and checked, the item schema;
  codes.py: SUNAT's code tables; fields.py: the API's input, validated field by field.
- token.py: the OAuth2 token, cached and shared, renewed once at a time; client.py: the HTTP requests,
  in the API's own pacing lane (sunat.upstream.throttle.CPE_API).
- services.py: cache, stored answer, SUNAT (through this process's scheduler and single flight);
  batch.py: a list of up to 100; emisor.py: this service's answer for the emisor's RUC, never asked
  of SUNAT; errors.py: failures -> the API's codes.
"""
