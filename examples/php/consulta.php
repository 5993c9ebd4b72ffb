<?php
// Consulta un RUC en Consulta RUC y muestra lo principal; maneja cada error como lo haría un sistema
// de facturación. PHP 8 sin extensiones (streams de PHP y json, siempre presentes).
//
//   CONSULTA_RUC_URL=http://127.0.0.1:8000 CONSULTA_RUC_CLAVE=rk_... php consulta.php 20131312955

$baseUrl = getenv('CONSULTA_RUC_URL') ?: 'http://127.0.0.1:8000';
$clave = getenv('CONSULTA_RUC_CLAVE') ?: '';

// Los datos del RUC. Reintenta lo pasajero (429, 503, 504) tras Retry-After; lo demás es un error.
function consultarRuc(string $baseUrl, string $clave, string $ruc, int $intentos = 3): array
{
    $headers = "Accept: application/json\r\n" . ($clave !== '' ? "Authorization: Bearer $clave\r\n" : '');
    $contexto = stream_context_create(['http' => [
        'method' => 'GET', 'header' => $headers, 'timeout' => 30, 'ignore_errors' => true,
    ]]);
    for ($intento = 1; ; $intento++) {
        $cuerpo = file_get_contents($baseUrl . '/api/ruc/' . rawurlencode($ruc), false, $contexto);
        if ($cuerpo === false) {
            throw new RuntimeException('el servicio no respondió');
        }
        // PHP 8.4 has a function for them; before, this variable is set by file_get_contents().
        $cabeceras = (function_exists('http_get_last_response_headers') ? http_get_last_response_headers() : $http_response_header) ?? [];
        preg_match('{HTTP/\S+ (\d{3})}', $cabeceras[0] ?? '', $estado);
        $codigo = (int) ($estado[1] ?? 0);
        $datos = json_decode($cuerpo, true, 512, JSON_THROW_ON_ERROR); // every error is JSON too
        if ($codigo === 200) {
            return $datos;
        }
        if (in_array($codigo, [429, 503, 504], true) && $intento < $intentos) {
            $espera = 5;
            foreach ($cabeceras as $linea) {
                if (preg_match('/^Retry-After:\s*(\d+)/i', $linea, $valor)) {
                    $espera = (int) $valor[1];
                }
            }
            sleep(min($espera, 30));
            continue;
        }
        throw new RuntimeException("$codigo {$datos['error']}: {$datos['detail']}");
    }
}

try {
    $datos = consultarRuc($baseUrl, $clave, $argv[1] ?? '');
} catch (RuntimeException $error) {
    fwrite(STDERR, 'No se pudo consultar: ' . $error->getMessage() . "\n");
    exit(1);
}
echo "{$datos['ruc']} {$datos['razonSocial']}\n";
echo "estado: {$datos['estado']} · condición: {$datos['condicion']}\n";
echo 'dirección: ' . ($datos['direccion'] ?? '-') . "\n";
echo "fuente: {$datos['fuente']} · actualizado en: {$datos['actualizadoEn']}\n";
