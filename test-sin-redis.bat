@echo off
REM Levanta el stack de producción SIN Redis (db, web, nginx) con Docker Compose y comprueba:
REM   1. que web queda sano (responde /health),
REM   2. la configuración de caché sin Redis (test-cache-config.py dentro de web),
REM   3. /health a través de nginx (200 con "status"),
REM   4. una consulta RUC a través de nginx (con X-Forwarded-Proto: https, como el TLS de delante),
REM      con una clave de API creada para la prueba y revocada al terminar (API_KEYS_REQUIRED=True).
REM Usa "docker compose" (Compose v2, el de Docker Desktop) si está disponible; si no, "docker-compose" (v1).
REM Necesita curl.exe (incluido en Windows 10 y posteriores).
REM Uso: test-sin-redis.bat    El stack queda levantado; para detenerlo: docker compose -f docker-compose.prod.yml down
REM Variables opcionales: BASE_URL (http://localhost), RUC (20131312955).
setlocal EnableExtensions EnableDelayedExpansion

REM Mensajes en UTF-8; al terminar se restaura la página de códigos original.
set "CP_ORIGINAL="
for /f "tokens=2 delims=:" %%c in ('chcp') do set "CP_ORIGINAL=%%c"
if defined CP_ORIGINAL set "CP_ORIGINAL=!CP_ORIGINAL: =!"
if defined CP_ORIGINAL set "CP_ORIGINAL=!CP_ORIGINAL:.=!"
chcp 65001 >nul

cd /d "%~dp0"
set "ENV_FILE=.env.production"
set "ARCHIVO_COMPOSE=docker-compose.prod.yml"
if not defined BASE_URL set "BASE_URL=http://localhost"
if not defined RUC set "RUC=20131312955"
set "PISTA_CLAVE="
set "SALIDA=%TEMP%\test-sin-redis-%RANDOM%.txt"

docker compose version >nul 2>&1
if errorlevel 1 (
    docker-compose version >nul 2>&1
    if errorlevel 1 (
        set "MENSAJE=no se encontró docker compose ni docker-compose. Instale Docker Desktop o Docker Compose."
        goto :fallo
    )
    set "DC=docker-compose -f %ARCHIVO_COMPOSE%"
) else (
    set "DC=docker compose -f %ARCHIVO_COMPOSE%"
)
curl --version >nul 2>&1
if errorlevel 1 (
    set "MENSAJE=no se encontró curl.exe."
    goto :fallo
)
if not exist "%ENV_FILE%" (
    set "MENSAJE=falta %ENV_FILE%, las variables de entorno del stack."
    goto :fallo
)

REM Valores de .env.production que se revisan antes de levantar nada.
set "CLAVE="
set "USA_REDIS="
set "SERVIDOR="
REM eol=#: las líneas de comentario no se leen.
for /f "usebackq eol=# tokens=1,* delims==" %%a in ("%ENV_FILE%") do (
    if /i "%%a"=="DJANGO_SECRET_KEY" set "CLAVE=%%b"
    if /i "%%a"=="USE_REDIS" set "USA_REDIS=%%b"
    if /i "%%a"=="NGINX_SERVER_NAME" set "SERVIDOR=%%b"
)
REM Lo mismo que rechaza config/settings/production.py: vacía, de ejemplo o de menos de 40 caracteres.
set "CLAVE_RECHAZADA="
if not defined CLAVE set "CLAVE_RECHAZADA=1"
if not defined CLAVE_RECHAZADA if "!CLAVE:~39,1!"=="" set "CLAVE_RECHAZADA=1"
if not defined CLAVE_RECHAZADA if not "!CLAVE:cambiar=!"=="!CLAVE!" set "CLAVE_RECHAZADA=1"
if not defined CLAVE_RECHAZADA if not "!CLAVE:django-insecure=!"=="!CLAVE!" set "CLAVE_RECHAZADA=1"
if defined CLAVE_RECHAZADA (
    set "MENSAJE=DJANGO_SECRET_KEY en %ENV_FILE% es el valor de ejemplo o tiene menos de 40 caracteres; producción no arranca así."
    set "PISTA_CLAVE=1"
    goto :fallo
)
for %%v in (true 1 yes y on t) do (
    if /i "!USA_REDIS!"=="%%v" (
        set "MENSAJE=USE_REDIS=!USA_REDIS! en %ENV_FILE%: esta prueba es sin Redis; ponga USE_REDIS=False."
        goto :fallo
    )
)
REM Host que atiende nginx: el primer nombre de NGINX_SERVER_NAME.
set "HOST_HEADER=localhost"
if defined SERVIDOR for /f "tokens=1" %%h in ("!SERVIDOR!") do set "HOST_HEADER=%%h"

echo Levantando db, web y nginx, sin Redis...
%DC% up -d --build db web nginx
if errorlevel 1 (
    %DC% logs --tail 50 web
    set "MENSAJE=no se pudo levantar el stack; vea los registros de arriba."
    goto :fallo
)
echo OK: stack levantado: db, web, nginx

echo Esperando a que web responda /health, máximo unos 3 minutos...
set /a INTENTO=0
:esperar_web
set /a INTENTO+=1
%DC% exec -T web python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)" >nul 2>&1
if not errorlevel 1 goto :web_lista
if !INTENTO! geq 60 (
    %DC% ps
    %DC% logs --tail 50 web
    set "MENSAJE=web no respondió /health a tiempo; vea los registros de arriba."
    goto :fallo
)
ping -n 4 127.0.0.1 >nul
goto :esperar_web
:web_lista
echo OK: web responde /health

echo Comprobando la configuración de caché dentro de web: test-cache-config.py...
%DC% exec -T web python test-cache-config.py > "%SALIDA%" 2>&1
if errorlevel 1 (
    type "%SALIDA%"
    set "MENSAJE=test-cache-config.py falló dentro de web."
    goto :fallo
)
type "%SALIDA%"
findstr /r /c:"^Usa Redis:  *no" "%SALIDA%" >nul
if errorlevel 1 (
    set "MENSAJE=test-cache-config.py no dice 'Usa Redis: no': el stack no está sin Redis."
    goto :fallo
)
echo OK: la caché funciona sin Redis

echo Comprobando %BASE_URL%/health a través de nginx...
set /a INTENTO=0
:esperar_nginx
set /a INTENTO+=1
set "CODIGO=000"
curl -sS -o "%SALIDA%" -w "%%{http_code}" -H "Host: !HOST_HEADER!" "%BASE_URL%/health" > "%SALIDA%.codigo" 2>nul
set /p CODIGO=<"%SALIDA%.codigo"
if "!CODIGO!"=="200" goto :nginx_lista
if !INTENTO! geq 15 (
    type "%SALIDA%" 2>nul
    echo.
    %DC% logs --tail 30 nginx
    set "MENSAJE=/health a través de nginx respondió !CODIGO!, no 200."
    goto :fallo
)
ping -n 3 127.0.0.1 >nul
goto :esperar_nginx
:nginx_lista
findstr /c:"\"status\"" "%SALIDA%" >nul
if errorlevel 1 (
    type "%SALIDA%"
    echo.
    set "MENSAJE=/health a través de nginx no devolvió el campo status."
    goto :fallo
)
type "%SALIDA%"
echo.
echo OK: /health a través de nginx responde 200

echo Creando una clave de API para la prueba (API_KEYS_REQUIRED=True)...
%DC% exec -T web python manage.py create_api_key test-sin-redis > "%SALIDA%" 2>nul
if errorlevel 1 (
    set "MENSAJE=no se pudo crear la clave de API; vea: %DC% logs web"
    goto :fallo
)
set "CLAVE="
set /p CLAVE=<"%SALIDA%"

echo Consultando el RUC %RUC% a través de nginx...
curl -sS -o "%SALIDA%" -w "%%{http_code}" -H "Host: !HOST_HEADER!" -H "X-Forwarded-Proto: https" -H "Authorization: Bearer !CLAVE!" "%BASE_URL%/api/ruc/%RUC%" > "%SALIDA%.codigo"
if errorlevel 1 (
    set "MENSAJE=nginx no respondió a la consulta del RUC %RUC%."
    goto :fallo
)
set "CODIGO=000"
set /p CODIGO=<"%SALIDA%.codigo"
if not "!CODIGO!"=="200" (
    type "%SALIDA%"
    echo.
    set "MENSAJE=la consulta del RUC %RUC% respondió !CODIGO!, no 200. ¿SUNAT disponible? Vea: %DC% logs web"
    goto :fallo
)
findstr /c:"%RUC%" "%SALIDA%" >nul
if errorlevel 1 (
    type "%SALIDA%"
    echo.
    set "MENSAJE=la respuesta no contiene el RUC %RUC%."
    goto :fallo
)
type "%SALIDA%"
echo.
echo OK: consulta RUC a través de nginx

echo.
echo OK: el stack funciona sin Redis. Para detenerlo: %DC% down
call :limpiar
endlocal & exit /b 0

:fallo
echo ERROR: !MENSAJE! 1>&2
if not defined PISTA_CLAVE goto :fallo_fin
echo        Genere una con: python -c "import secrets; print(secrets.token_urlsafe(50))" y póngala en %ENV_FILE%. 1>&2
:fallo_fin
call :limpiar
endlocal & exit /b 1

:limpiar
REM La clave de la prueba no queda activa.
if defined CLAVE %DC% exec -T web python manage.py shell -c "from sunat.keys import services; from sunat.models import ApiKey; [services.revoke(k) for k in ApiKey.objects.filter(name='test-sin-redis', revoked_at=None)]" >nul 2>&1
del /q "%SALIDA%" "%SALIDA%.codigo" >nul 2>&1
if defined CP_ORIGINAL chcp !CP_ORIGINAL! >nul
goto :eof
