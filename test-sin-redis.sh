#!/usr/bin/env bash
# Levanta el stack de producción SIN Redis (db, web, nginx) con docker-compose y comprueba que:
#   1. web queda sano (responde /health),
#   2. la configuración de caché funciona sin Redis (test-cache-config.py dentro de web),
#   3. nginx responde /health con 200,
#   4. una consulta RUC pasa por nginx (con X-Forwarded-Proto: https, como el TLS de delante), con
#      una clave de API creada para la prueba y revocada al terminar (API_KEYS_REQUIRED=True).
# Uso: ./test-sin-redis.sh
#   El stack queda levantado; para detenerlo: docker-compose -f docker-compose.prod.yml down
# Variables opcionales: BASE_URL (http://localhost), ESPERA_MAX (segundos, 180), RUC (20131312955).
set -euo pipefail

cd "$(dirname "$0")"

ENV_FILE=.env.production
COMPOSE_FILE=docker-compose.prod.yml
BASE_URL="${BASE_URL:-http://localhost}"
ESPERA_MAX="${ESPERA_MAX:-180}"
RUC="${RUC:-20131312955}"

ok() { printf 'OK: %s\n' "$*"; }
error() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# docker-compose (v1) si está instalado; si no, el plugin "docker compose" (v2).
if command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose -f "$COMPOSE_FILE")
elif docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose -f "$COMPOSE_FILE")
else
    error "no se encontró docker-compose ni 'docker compose'. Instale Docker Compose."
fi
command -v curl >/dev/null 2>&1 || error "no se encontró curl."
[ -f "$ENV_FILE" ] || error "falta $ENV_FILE (las variables de entorno del stack)."

# Último valor de una variable en .env.production (vacío si no está; sin \r de Windows).
valor_env() { sed -n "s/^$1=//p" "$ENV_FILE" | tr -d '\r' | tail -n 1; }
minusculas() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

# Lo mismo que rechaza config/settings/production.py: mejor decirlo antes de construir nada.
clave="$(valor_env DJANGO_SECRET_KEY)"
case "$(minusculas "$clave")" in
    *cambiar*|django-insecure*) clave_rechazada=1 ;;
    *) clave_rechazada=0 ;;
esac
if [ "${#clave}" -lt 40 ] || [ "$clave_rechazada" = 1 ]; then
    error "DJANGO_SECRET_KEY en $ENV_FILE es el valor de ejemplo o tiene menos de 40 caracteres; producción no arranca así.
       Genere una con: python -c \"import secrets; print(secrets.token_urlsafe(50))\" y póngala en $ENV_FILE."
fi
usa_redis="$(valor_env USE_REDIS)"
case "$(minusculas "$usa_redis")" in
    true|1|yes|y|on|t) error "USE_REDIS=$usa_redis en $ENV_FILE: esta prueba es sin Redis; ponga USE_REDIS=False." ;;
esac

# Host que atiende nginx: el primer nombre de NGINX_SERVER_NAME (a otro Host nginx le cierra la conexión).
servidor="$(valor_env NGINX_SERVER_NAME)"
HOST_HEADER=""
read -r HOST_HEADER _ <<< "${servidor:-localhost}" || true
HOST_HEADER="${HOST_HEADER:-localhost}"

salida="$(mktemp)"
trap 'rm -f "$salida"' EXIT

mostrar_registros() {
    "${COMPOSE[@]}" ps || true
    "${COMPOSE[@]}" logs --tail 50 web || true
}

echo "Construyendo la imagen de web..."
"${COMPOSE[@]}" build web || error "no se pudo construir la imagen de web."

# nginx espera a que web esté sano; si web no arranca, "up" podría esperar sin fin: se limita.
echo "Levantando db, web y nginx, sin Redis (máximo ${ESPERA_MAX} s)..."
limite=()
if command -v timeout >/dev/null 2>&1; then
    limite=(timeout "$ESPERA_MAX")
fi
if ! ${limite[@]+"${limite[@]}"} "${COMPOSE[@]}" up -d --build db web nginx; then
    mostrar_registros
    error "no se pudo levantar el stack en ${ESPERA_MAX} s (vea los registros de arriba)."
fi
ok "stack levantado (db, web, nginx)"

echo "Esperando a que web responda /health (máximo ${ESPERA_MAX} s)..."
inicio=$SECONDS
until "${COMPOSE[@]}" exec -T web python -c \
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)" >/dev/null 2>&1; do
    if (( SECONDS - inicio >= ESPERA_MAX )); then
        mostrar_registros
        error "web no respondió /health en ${ESPERA_MAX} s (vea los registros de arriba)."
    fi
    sleep 3
done
ok "web responde /health"

echo "Comprobando la configuración de caché dentro de web (test-cache-config.py)..."
if ! "${COMPOSE[@]}" exec -T web python test-cache-config.py >"$salida" 2>&1; then
    cat "$salida"
    error "test-cache-config.py falló dentro de web."
fi
cat "$salida"
grep -Eq '^Usa Redis: +no' "$salida" || error "test-cache-config.py no dice 'Usa Redis: no': el stack no está sin Redis."
ok "la caché funciona sin Redis"

echo "Comprobando ${BASE_URL}/health a través de nginx..."
inicio=$SECONDS
codigo=000
while :; do
    codigo="$(curl -sS -o "$salida" -w '%{http_code}' -H "Host: ${HOST_HEADER}" "${BASE_URL}/health" 2>/dev/null)" || true
    [ "$codigo" = "200" ] && break
    if (( SECONDS - inicio >= 30 )); then
        cat "$salida" 2>/dev/null || true
        echo
        "${COMPOSE[@]}" logs --tail 30 nginx || true
        error "/health a través de nginx (${BASE_URL}, Host: ${HOST_HEADER}) respondió ${codigo}, no 200."
    fi
    sleep 2
done
grep -q '"status"' "$salida" || { cat "$salida"; echo; error "/health a través de nginx no devolvió el campo \"status\"."; }
cat "$salida"; echo
ok "/health a través de nginx responde 200"

echo "Creando una clave de API para la prueba..."
clave="$("${COMPOSE[@]}" exec -T web python manage.py create_api_key test-sin-redis 2>/dev/null | tr -d '\r')" \
    || error "no se pudo crear la clave de API (vea: ${COMPOSE[*]} logs web)."
revocar_clave() {
    "${COMPOSE[@]}" exec -T web python manage.py shell -c "from sunat.keys import services; \
from sunat.models import ApiKey; [services.revoke(k) for k in ApiKey.objects.filter(name='test-sin-redis', revoked_at=None)]" \
        >/dev/null 2>&1 || echo "AVISO: revoque en el admin la clave «test-sin-redis»." >&2
    rm -f "$salida"
}
trap revocar_clave EXIT

echo "Consultando el RUC ${RUC} a través de nginx..."
codigo="$(curl -sS -o "$salida" -w '%{http_code}' -H "Host: ${HOST_HEADER}" -H "X-Forwarded-Proto: https" \
    -H "Authorization: Bearer ${clave}" "${BASE_URL}/api/ruc/${RUC}")" || error "nginx no respondió a la consulta del RUC ${RUC}."
if [ "$codigo" != "200" ]; then
    cat "$salida"; echo
    error "la consulta del RUC ${RUC} a través de nginx respondió ${codigo}, no 200 (¿SUNAT disponible? vea: ${COMPOSE[*]} logs web)."
fi
grep -q "\"ruc\": *\"${RUC}\"" "$salida" || { cat "$salida"; echo; error "la respuesta no contiene el RUC ${RUC}."; }
head -c 600 "$salida"; echo
ok "consulta RUC a través de nginx"

echo
ok "el stack funciona sin Redis. Para detenerlo: ${COMPOSE[*]} down"
