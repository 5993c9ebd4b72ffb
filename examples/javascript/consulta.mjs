// Consulta un RUC en Consulta RUC y muestra lo principal; maneja cada error como lo haría un sistema
// de facturación. Node.js 18 o más (fetch incluido), sin dependencias.
//
//   CONSULTA_RUC_URL=http://127.0.0.1:8000 CONSULTA_RUC_CLAVE=rk_... node consulta.mjs 20131312955

const BASE_URL = process.env.CONSULTA_RUC_URL ?? "http://127.0.0.1:8000";
const CLAVE = process.env.CONSULTA_RUC_CLAVE ?? "";

// Los datos del RUC. Reintenta lo pasajero (429, 503, 504) tras Retry-After; lo demás es un error.
export async function consultarRuc(ruc, intentos = 3) {
  const headers = { Accept: "application/json" };
  if (CLAVE) headers.Authorization = `Bearer ${CLAVE}`;
  for (let intento = 1; ; intento++) {
    const respuesta = await fetch(`${BASE_URL}/api/ruc/${encodeURIComponent(ruc)}`, {
      headers, signal: AbortSignal.timeout(30000),
    });
    const cuerpo = await respuesta.json(); // every error is JSON too: {error, detail}
    if (respuesta.ok) return cuerpo;
    if ([429, 503, 504].includes(respuesta.status) && intento < intentos) {
      const espera = Math.min(Number(respuesta.headers.get("Retry-After") ?? 5), 30);
      await new Promise((listo) => setTimeout(listo, espera * 1000));
      continue;
    }
    throw new Error(`${respuesta.status} ${cuerpo.error}: ${cuerpo.detail}`);
  }
}

try {
  const datos = await consultarRuc(process.argv[2]);
  console.log(`${datos.ruc} ${datos.razonSocial}`);
  console.log(`estado: ${datos.estado} · condición: ${datos.condicion}`);
  console.log(`dirección: ${datos.direccion ?? "-"}`);
  console.log(`fuente: ${datos.fuente} · actualizado en: ${datos.actualizadoEn}`);
} catch (error) {
  console.error(`No se pudo consultar: ${error.message}`);
  process.exit(1);
}
